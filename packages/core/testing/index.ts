// Shared contract suites: every adapter of a port must pass the same tests.
export { describeStorageContract } from './storage-contract.js';
export { describeMetadataStoreContract } from './metadata-store-contract.js';
export { describeDirectUploadContract } from './direct-upload-contract.js';
export { describeRateLimiterContract } from './rate-limiter-contract.js';
export { makeRecord } from './records.js';
export * from './use-case-harness.js';
export { describeAuthorizerContract } from './authorizer-contract.js';
export { describeUrlResolverContract } from './url-resolver-contract.js';
export { describeImageProcessorContract } from './image-processor-contract.js';
export { describeJobRunnerContract, type JobRunnerContractConfig, type JobRunnerContractSetup } from './job-runner-contract.js';
export { until } from './until.js';
