"""MRN Viewer training: U-Net / MRN models, shard dataset, training loop and a TF.js graph-model exporter."""
