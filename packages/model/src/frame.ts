/**
 * JPEG quality (1..100) at which a device sends a colour frame to the edge at
 * partition 0: what browsers use by default for `canvas.toBlob('image/jpeg')`
 * (0.92), rounded to the 90 a camera pipeline commonly uses.
 */
export const FRAME_JPEG_QUALITY = 90;
