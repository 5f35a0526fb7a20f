"""CIM effects on accuracy: ADC partial-sum readout, cell noise, two-stage training."""
