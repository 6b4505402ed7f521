"""Learning the user's voice: recording enrollment clips, adapting PocketSphinx (MLLR, with
sphinxtrain's tools) and fine-tuning the command verifier, and building, swapping and forgetting
the voice profile. What listens (`hearing/`) reads the profile and never imports this."""
