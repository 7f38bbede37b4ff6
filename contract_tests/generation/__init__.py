"""What the suite sends and checks: strategies, invalid values, schemathesis' checks and expectations."""
