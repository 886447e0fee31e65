"""The neutral layer: names, errors, the FairFace reader and the chip resize that every other layer shares;
photos (their limits, decoding, and finding and aligning faces with dlib) for the service and the audit;
file checksums. Imports nothing of facexai outside itself."""
