// The drawn pictures of the space, shipped as SVG files so they look the same on every
// machine, with or without an emoji font: the stamps (space/stamps/) and the avatars' faces
// (space/avatars/). Their words are in the words tables (`stampNames`, `shapes`).

export const STAMPS = ["wave", "nod", "clap", "heart", "laugh", "thanks", "sparkle", "tea"];

/// A stamp's picture, or null for a stamp this page does not know.
export const stampPicture = (stamp) => (STAMPS.includes(stamp) ? `/space/stamps/${stamp}.svg` : null);

/// The avatar shapes the server accepts (server/src/model/member.rs AVATAR_SHAPES), each a face
/// drawn to sit on the member's colour.
export const SHAPES = ["cat", "dog", "rabbit", "bear", "bird", "fox", "frog", "turtle", "leaf", "flower", "star", "cloud"];

/// An avatar shape's face, or null for a shape this page does not know.
export const avatarPicture = (shape) => (SHAPES.includes(shape) ? `/space/avatars/${shape}.svg` : null);
