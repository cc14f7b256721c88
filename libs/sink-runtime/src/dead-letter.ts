import type { Kafka, Producer } from 'kafkajs';
import { Partitioners, TOPICS } from '@klineflow/kafka';
import type { ValidateFunction } from 'ajv';
import { describeErrors, type DeadLetter } from '@klineflow/schemas';
import type { SinkRecord } from './batching-consumer.js';

/** A record a sink cannot store, and why. */
export interface SinkReject {
  readonly record: SinkRecord;
  readonly reason: string;
  readonly detail: string;
  readonly exchange: string | null;
}

/** A record's JSON once parsed and accepted by `validate`; otherwise the reject that says why. */
export function parseSinkRecord<T>(record: SinkRecord, validate: ValidateFunction<T>): { value: T } | { reject: SinkReject } {
  let value: unknown;
  try {
    value = JSON.parse(record.value);
  } catch (error) {
    return { reject: { record, reason: 'unparseable', detail: (error as Error).message, exchange: null } };
  }
  if (!validate(value)) return { reject: { record, reason: 'schema', detail: describeErrors(validate), exchange: null } };
  return { value };
}

/** Records a sink cannot store go to `dead-letter` with a reason, never silently dropped or altered. */
export class DeadLetterPublisher {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly service: string,
  ) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async publish(rejects: readonly SinkReject[]): Promise<void> {
    if (rejects.length === 0) return;
    const now = Date.now();
    await this.producer.send({
      topic: TOPICS.deadLetter,
      acks: -1,
      messages: rejects.map(({ record, reason, detail, exchange }) => {
        const letter: DeadLetter = {
          service: this.service,
          exchange,
          reason,
          detail,
          source_topic: record.topic,
          source_partition: record.partition,
          source_offset: record.offset,
          raw: record.value,
          failed_at: now,
        };
        return { key: record.key, value: JSON.stringify(letter) };
      }),
    });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
