"""Training code (torch; never imported by the add-on). See training/pose_model/README.md."""
