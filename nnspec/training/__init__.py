"""Training: the data a variant trains on, the epoch loop, evaluation, progress and TensorFlow set-up.\n\nnnspec.api calls `variants.run_plans`; each module does one of these jobs.\n"""
