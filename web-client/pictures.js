// The space's drawn pictures, shipped as SVG files so they look the same on every machine,
// with or without an emoji font. Their words are in the words tables (`stampNames`).

export const STAMPS = ["wave", "nod", "clap", "heart", "laugh", "thanks", "sparkle", "tea"];

/// A stamp's picture (space/stamps/NAME.svg), or null for a stamp this page does not know.
export const stampPicture = (stamp) => (STAMPS.includes(stamp) ? `/space/stamps/${stamp}.svg` : null);
