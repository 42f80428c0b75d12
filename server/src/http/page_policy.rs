//! What every response tells the browser the page may do: load scripts, styles and media only
//! from the space itself, talk only to the space (its WebSocket included), use the camera,
//! microphone and screen sharing only for the space, never be framed by another site, send
//! no referrer; and HSTS when the space is public over https. Documented in
//! docs/operations.md.
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, Uri};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");

/// The headers for a space reached at `public_url`, whose gallery plays videos and captions
/// from `media_sources` and shows posters from `image_sources` (paths on this server or
/// https:// addresses).
#[derive(Debug, Clone)]
pub struct PagePolicy {
    csp: String,
    https: bool,
}

impl PagePolicy {
    pub fn new<'a>(
        public_url: &str,
        media_sources: impl IntoIterator<Item = &'a str>,
        image_sources: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let public = public_url.parse::<Uri>().ok();
        let https = public.as_ref().and_then(Uri::scheme_str) == Some("https");
        // 'self' covers the page's own ws:/wss: only in recent browsers (CSP 3); the public
        // address spells it out for the others.
        let mut connect = vec!["'self'".to_string()];
        if let Some(authority) = public.as_ref().and_then(Uri::authority) {
            connect.push(format!(
                "{}://{authority}",
                if https { "wss" } else { "ws" }
            ));
        }
        let media = origins(media_sources);
        let images = origins(image_sources);
        let csp = [
            "default-src 'self'".to_string(),
            "script-src 'self'".to_string(),
            "style-src 'self'".to_string(),
            format!("img-src {}", images.join(" ")),
            format!("media-src {}", media.join(" ")),
            format!("connect-src {}", connect.join(" ")),
            "object-src 'none'".to_string(),
            "base-uri 'none'".to_string(),
            "form-action 'self'".to_string(),
            "frame-ancestors 'none'".to_string(),
        ]
        .join("; ");
        PagePolicy { csp, https }
    }

    /// `router` with the headers on every response (the handlers' own win).
    pub fn apply(&self, router: Router) -> Router {
        let set = |name: HeaderName, value: HeaderValue| {
            SetResponseHeaderLayer::if_not_present(name, value)
        };
        let router = router
            .layer(set(
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&self.csp).expect("a CSP built from a parsed URI"),
            ))
            .layer(set(
                PERMISSIONS_POLICY,
                HeaderValue::from_static(
                    "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
                ),
            ))
            .layer(set(X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
            .layer(set(
                X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(set(
                REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ));
        if self.https {
            // No includeSubDomains: a city's other sites are not ours to decide for.
            router.layer(set(
                STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            ))
        } else {
            router
        }
    }
}

/// 'self' and the distinct https:// origins among `sources`.
fn origins<'a>(sources: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut all = vec!["'self'".to_string()];
    for origin in sources.into_iter().filter_map(https_origin) {
        if !all.contains(&origin) {
            all.push(origin);
        }
    }
    all
}

/// `https://host[:port]` of an https:// address; None for a path on this server.
fn https_origin(source: &str) -> Option<String> {
    let uri = source.parse::<Uri>().ok()?;
    if uri.scheme_str() != Some("https") {
        return None;
    }
    Some(format!("https://{}", uri.authority()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_video_and_poster_origins_are_named() {
        let policy = PagePolicy::new(
            "https://ibasho.example.jp/",
            [
                "/media/gallery/lunch.mp4",
                "https://videos.example.jp/a.mp4",
                "https://videos.example.jp/b.mp4",
            ],
            [
                "/media/gallery/lunch.svg",
                "https://images.example.jp/a.png",
            ],
        );
        assert!(policy.https);
        assert!(
            policy
                .csp
                .contains("connect-src 'self' wss://ibasho.example.jp;"),
            "{}",
            policy.csp
        );
        assert!(
            policy
                .csp
                .contains("media-src 'self' https://videos.example.jp;"),
            "{}",
            policy.csp
        );
        assert!(
            policy
                .csp
                .contains("img-src 'self' https://images.example.jp;"),
            "{}",
            policy.csp
        );
        let plain = PagePolicy::new("http://127.0.0.1:8080", [], []);
        assert!(!plain.https);
        assert!(plain
            .csp
            .contains("connect-src 'self' ws://127.0.0.1:8080;"));
    }
}
