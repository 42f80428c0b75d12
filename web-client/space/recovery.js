// When to try again after the peer connection was lost: after 1, 2, 4 … seconds, and after
// RECOVERY_TRIES tries it gives up (the microphone is let go and the person is told; a
// WebSocket reconnect tries again at once). The tries count until the connection is made.

const RECOVERY_TRIES = 6;

export class Recovery {
  /// `attempt()`: one try; `giveUp()`: no more tries.
  constructor({ attempt, giveUp }) {
    this.attempt = attempt;
    this.giveUp = giveUp;
    this.tries = null; // null: nothing to recover
    this.timer = null;
  }

  /// Whether a lost connection is being started again.
  active() {
    return this.tries !== null;
  }

  /// The connection was lost: the next try comes after a pause.
  lost() {
    this.tries ??= 0;
    this.later();
  }

  later() {
    clearTimeout(this.timer);
    if (this.tries >= RECOVERY_TRIES) {
      this.giveUp();
      return;
    }
    const seconds = 2 ** this.tries;
    this.tries += 1;
    this.timer = setTimeout(() => this.attempt(), seconds * 1000);
  }

  /// A new WebSocket: try again at once.
  now() {
    if (!this.active()) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.attempt(), 0);
  }

  /// Connected, or voice stopped: the next loss counts from the beginning.
  end() {
    clearTimeout(this.timer);
    this.tries = null;
  }
}
