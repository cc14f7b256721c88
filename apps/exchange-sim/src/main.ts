import { runService } from '@klineflow/observability';
import { optionsFromConfig } from './options.js';
import { Simulator } from './simulator.js';

await runService('exchange-sim', async (ctx) => {
  const simulator = new Simulator(optionsFromConfig(ctx.config));
  const ports = await simulator.start();
  ctx.health.set('simulator', 'up');
  ctx.onShutdown(() => simulator.stop());
  ctx.logger.info('exchange simulator listening', { host: ctx.config.simulator.host, ...ports, speed: ctx.config.simulator.speed });
});
