"""Mapping of the tracing conventions in the wild (OpenTelemetry GenAI, OpenInference,
OpenLLMetry and the platform's own ``llmops.*``) onto the one stored span model."""
