"""The guided exercises (labs/NN-topic/): finding them, running their checks, and the checklist they print."""
