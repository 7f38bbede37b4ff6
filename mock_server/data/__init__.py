"""The dataset: the embedded fixtures, their loading and checking, and the store the workers share."""

GET_APPOINTMENT = "getAppointment"  # the operation this dataset serves (its handler: mock_server/pipeline)
