/** Stops the dynalite started by global-setup. */
export default async function globalTeardown(): Promise<void> {
  const dynamo = (globalThis as { __DYNAMO__?: { close(): Promise<void> } }).__DYNAMO__;
  await dynamo?.close();
}
