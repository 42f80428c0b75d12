//! Negotiation without a network: a second str0m `Rtc` plays the member's side and answers
//! the server's offers, so the m-lines can be followed through adding, parking and reuse.
use super::*;
use std::sync::{Arc, Mutex};
use str0m::change::SdpOffer;

struct Client {
    rtc: Rtc,
    offers: Arc<Mutex<Vec<Offer>>>,
    last_answer: String,
}

fn server_and_client() -> (Peer, Client) {
    let offers = Arc::new(Mutex::new(Vec::new()));
    let seen = offers.clone();
    let peer = Peer::new(
        1,
        PublicId("m_000000000001".into()),
        Box::new(move |offer| seen.lock().unwrap().push(offer)),
        "127.0.0.1:9".parse().unwrap(),
        Instant::now(),
    )
    .unwrap();
    let client = Client {
        rtc: Rtc::new(Instant::now()),
        offers,
        last_answer: String::new(),
    };
    (peer, client)
}

impl Client {
    /// Answers the latest offer; returns it.
    fn answer(&mut self, peer: &mut Peer) -> Offer {
        let offer = self.offers.lock().unwrap().pop().expect("an offer");
        let sdp = SdpOffer::from_sdp_string(&offer.sdp).unwrap();
        let answer = self.rtc.sdp_api().accept_offer(sdp).unwrap();
        self.last_answer = answer.to_sdp_string();
        peer.answer(&self.last_answer).unwrap();
        offer
    }
}

fn source(peer: PeerId, mid: &str, member: &str) -> (PeerId, Mid, TrackKind, PublicId) {
    (
        peer,
        Mid::from(mid),
        TrackKind::Audio,
        PublicId(member.into()),
    )
}

#[test]
fn lines_are_parked_and_reused_never_stopped() {
    let (mut peer, mut client) = server_and_client();
    let a = source(2, "a", "m_00000000000a");
    let b = source(3, "b", "m_00000000000b");

    peer.want_downlinks(std::slice::from_ref(&a));
    peer.negotiate();
    let first = client.answer(&mut peer);
    assert_eq!(first.tracks.len(), 1);
    assert_eq!(first.tracks[0].member, a.3);
    let mid = first.tracks[0].mid.clone();
    assert_eq!(
        peer.open_downlink(2, a.1).map(|m| m.to_string()),
        Some(mid.clone())
    );

    // A goes out of hearing: the line is parked, not stopped.
    peer.want_downlinks(&[]);
    assert_eq!(
        peer.open_downlink(2, a.1),
        None,
        "forwarding stops before the answer"
    );
    peer.negotiate();
    let parked = client.answer(&mut peer);
    assert!(parked.tracks.is_empty());
    assert!(parked.sdp.contains("a=inactive"), "{}", parked.sdp);
    assert!(
        !parked.sdp.contains("m=audio 0 "),
        "a line was stopped: {}",
        parked.sdp
    );
    assert!(
        !parked.sdp.contains(a.3.as_str()),
        "the parked line still names A: {}",
        parked.sdp
    );

    // B comes into hearing: the parked line carries B.
    peer.want_downlinks(std::slice::from_ref(&b));
    peer.negotiate();
    let reused = client.answer(&mut peer);
    assert_eq!(reused.tracks.len(), 1);
    assert_eq!(reused.tracks[0].mid, mid, "the parked line was not reused");
    assert_eq!(reused.tracks[0].member, b.3);
    for sdp in [&first.sdp, &reused.sdp] {
        assert!(
            !sdp.contains(a.3.as_str()) && !sdp.contains(b.3.as_str()),
            "an SDP names a member: {sdp}"
        );
    }
    assert_eq!(peer.open_downlink(3, b.1).map(|m| m.to_string()), Some(mid));
}

#[test]
fn one_offer_at_a_time_and_bad_answers_are_typed() {
    let (mut peer, mut client) = server_and_client();
    peer.want_uplink(TrackKind::Audio, true);
    peer.negotiate();
    // A change while the offer waits goes into the next offer, not a second one now.
    peer.want_downlinks(&[source(2, "a", "m_00000000000a")]);
    peer.negotiate();
    assert_eq!(client.offers.lock().unwrap().len(), 1);
    assert!(matches!(peer.answer("not sdp"), Err(MediaError::BadSdp(_))));
    let first = client.answer(&mut peer);
    assert_eq!(first.uplinks.len(), 1);
    assert!(first.tracks.is_empty());
    peer.negotiate();
    let second = client.answer(&mut peer);
    assert_eq!(second.tracks.len(), 1);
    assert_eq!(
        peer.answer(&client.last_answer),
        Err(MediaError::NoOfferPending)
    );
}
