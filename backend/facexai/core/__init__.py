"""The neutral layer: names, errors, the FairFace reader and the chip resize that every other layer shares.
Imports nothing of facexai outside itself."""
