// Adds the aws-sdk-client-mock matchers (toReceiveCommandWith, …) to every test file.
import 'aws-sdk-client-mock-vitest/extend';
