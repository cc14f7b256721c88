import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import type { KlineflowConfig } from '@klineflow/config';

export interface Tracing {
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Starts exporting this service's spans (OTLP over HTTP unless an exporter is given). Until it is
 * called, `inSpan` costs a no-op span.
 */
export function startTracing(service: string, config: KlineflowConfig['tracing'], exporter?: tracing.SpanExporter): Tracing {
  const processor = new tracing.BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: config.otlp_endpoint }));
  const sdk = new NodeSDK({
    serviceName: service,
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(config.sample_ratio) }),
    spanProcessors: [processor],
    instrumentations: [],
  });
  sdk.start();
  return { flush: () => processor.forceFlush(), shutdown: () => sdk.shutdown() };
}

/**
 * Runs `work` inside a span. Meant for batches (a Kafka batch, a store write, a history request):
 * a span per message would cost more than the work it times.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  // Looked up per call: the global provider may be registered after this module loads.
  return trace.getTracer('klineflow').startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
