import { startEmbeddedDynamo } from '../../local/dynamo';

/**
 * Starts one in-memory dynalite for the whole test run on a free port and hands its
 * endpoint to the workers through the environment (workers inherit it).
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dynamo = await startEmbeddedDynamo();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __DYNAMO__?: typeof dynamo }).__DYNAMO__ = dynamo;
}
