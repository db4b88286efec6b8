"""Operations across model families (density labs, interpolation, inpainting, evaluation)."""
