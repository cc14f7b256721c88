import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { TOPICS } from '@klineflow/kafka';
import type { DeadLetter } from '@klineflow/schemas';
import type { SinkRecord } from './batching-consumer.js';

/** Records a sink cannot store go to `dead-letter` with a reason, never silently dropped or altered. */
export class DeadLetterPublisher {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly service: string) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async publish(rejects: ReadonlyArray<{ record: SinkRecord; reason: string; detail: string; exchange: string | null }>): Promise<void> {
    if (rejects.length === 0) return;
    const now = Date.now();
    await this.producer.send({
      topic: TOPICS.deadLetter,
      acks: -1,
      messages: rejects.map(({ record, reason, detail, exchange }) => {
        const letter: DeadLetter = {
          service: this.service, exchange, reason, detail,
          source_topic: record.topic, source_partition: record.partition, source_offset: record.offset, raw: record.value, failed_at: now,
        };
        return { key: record.key, value: JSON.stringify(letter) };
      }),
    });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
