/**
 * `npm start`: the whole of gitops-sentinel on this machine, one command.
 * Bad configuration prints one line naming the key and exits 1, without a stack trace.
 */
import { ConfigError } from '../functions/lib/config';
import { startLocalStack } from './stack';
import { banner } from './banner';

async function main(): Promise<void> {
  // Node 20 is supported by the SDK versions pinned here; the notice is about future releases.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  const stack = await startLocalStack({
    driftScheduler: true,
    anchorScheduler: true,
    simulatedApplicationSetWebhooks: true,
    // A fake GitHub commit status API: a push's pending and success show in this terminal.
    fakeStatusApi: true,
    // A fixed port, so a generic webhook channel in a config file can name it (local/demo.yaml).
    notifyReceiver: { port: Number(process.env.SENTINEL_RECEIVER_PORT) || 8099 },
    log: (line) => console.log(line),
  });
  console.log(banner(stack, Date.now() - started, process.env.GITHUB_WEBHOOK_SECRET));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: shutting down...`);
    await stack.close();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`gitops-sentinel: ${error.message}`);
  else if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    console.error(`gitops-sentinel: port already in use (${error.message}); set PORT to another port`);
  else console.error(`gitops-sentinel: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
