import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
// The trace SDK alone, not @opentelemetry/sdk-node: that one also brings the metrics and logs SDKs,
// gRPC, Zipkin and instrumentation hooks, 13 MB of every image that spans never use.
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
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
export function startTracing(service: string, config: KlineflowConfig['tracing'], exporter?: SpanExporter): Tracing {
  const processor = new BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: config.otlp_endpoint }));
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': service })),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sample_ratio) }),
    spanProcessors: [processor],
  });
  // Global tracer provider, AsyncLocalStorage context (so inSpan nests) and W3C propagation.
  provider.register();
  return { flush: () => processor.forceFlush(), shutdown: () => provider.shutdown() };
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
