"""Model families: one self-contained file each (config, network, sampling)."""
