import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A RILO node's view of the hub, with the official Java client: the client properties (the ones
 * the README gives, credentials included) come on stdin, never in argv; every outcome is one JSON
 * line on stdout.
 *
 *   java -cp '<kafka jars>/*' RiloConsumer.java consume <topic> <group> <seconds>
 *   java -cp '<kafka jars>/*' RiloConsumer.java produce <topic>
 *   java -cp '<kafka jars>/*' RiloConsumer.java probe consume:<topic>:<group> produce:<topic> ...
 *
 * `probe` tries each operation in turn with a new client, in one JVM, and prints what the broker
 * answered: `allowed` (partitions assigned, or the record acknowledged) or the exception's name.
 */
public class RiloConsumer {
  public static void main(String[] args) throws Exception {
    Properties properties = new Properties();
    StringBuilder input = new StringBuilder();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) input.append(line).append('\n');
    }
    properties.load(new StringReader(input.toString()));
    try {
      switch (args[0]) {
        case "consume" -> consume(properties, args[1], args[2], Integer.parseInt(args[3]));
        case "produce" -> produce(properties, args[1]);
        case "probe" -> probe(properties, java.util.Arrays.copyOfRange(args, 1, args.length));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    } catch (Exception error) {
      Throwable cause = error;
      while (cause.getCause() != null && !(cause instanceof org.apache.kafka.common.KafkaException)) cause = cause.getCause();
      emit("{\"type\":\"error\",\"error\":" + quote(cause.getClass().getSimpleName()) + ",\"message\":" + quote(String.valueOf(cause.getMessage())) + "}");
      System.exit(2);
    }
  }

  private static void consume(Properties properties, String topic, String group, int seconds) {
    properties.put("group.id", group);
    properties.put("auto.offset.reset", "earliest");
    properties.put("enable.auto.commit", "false");
    properties.put("key.deserializer", StringDeserializer.class.getName());
    properties.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          emit("{\"type\":\"assigned\",\"partitions\":" + partitions.size() + "}");
        }
      });
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(250));
        for (ConsumerRecord<String, String> record : records) {
          StringBuilder headers = new StringBuilder("{");
          for (Header header : record.headers()) {
            if (headers.length() > 1) headers.append(',');
            headers.append(quote(header.key())).append(':').append(quote(new String(header.value(), StandardCharsets.UTF_8)));
          }
          emit("{\"type\":\"record\",\"topic\":" + quote(record.topic()) + ",\"partition\":" + record.partition()
              + ",\"offset\":" + record.offset() + ",\"key\":" + quote(record.key()) + ",\"headers\":" + headers
              + "},\"value\":" + quote(record.value()) + "}");
        }
        // Offsets committed in the credential's own group, as a RILO node would.
        if (!records.isEmpty()) {
          consumer.commitSync();
          emit("{\"type\":\"committed\",\"records\":" + records.count() + "}");
        }
      }
    }
    emit("{\"type\":\"end\"}");
  }

  private static void produce(Properties properties, String topic) throws Exception {
    properties.put("key.serializer", StringSerializer.class.getName());
    properties.put("value.serializer", StringSerializer.class.getName());
    properties.put("max.block.ms", "15000");
    properties.put("delivery.timeout.ms", "15000");
    properties.put("request.timeout.ms", "10000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
      producer.send(new ProducerRecord<>(topic, "forged", "{\"forged\":true}")).get(20, TimeUnit.SECONDS);
    }
    emit("{\"type\":\"produced\"}");
  }

  private static void probe(Properties base, String[] attempts) {
    for (String attempt : attempts) {
      String[] parts = attempt.split(":", 3);
      Properties properties = new Properties();
      properties.putAll(base);
      String outcome;
      try {
        if (parts[0].equals("produce")) {
          produceQuietly(properties, parts[1]);
        } else {
          consumeUntilAssigned(properties, parts[1], parts[2]);
        }
        outcome = "allowed";
      } catch (Exception error) {
        Throwable cause = error;
        while (cause.getCause() != null && !(cause instanceof org.apache.kafka.common.KafkaException)) cause = cause.getCause();
        outcome = cause.getClass().getSimpleName();
      }
      emit("{\"type\":\"probe\",\"attempt\":" + quote(attempt) + ",\"outcome\":" + quote(outcome) + "}");
    }
    emit("{\"type\":\"end\"}");
  }

  private static void consumeUntilAssigned(Properties properties, String topic, String group) {
    properties.put("group.id", group);
    properties.put("auto.offset.reset", "earliest");
    properties.put("enable.auto.commit", "false");
    properties.put("key.deserializer", StringDeserializer.class.getName());
    properties.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
      consumer.subscribe(List.of(topic));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < end) {
        consumer.poll(Duration.ofMillis(250));
        if (!consumer.assignment().isEmpty()) return;
      }
      throw new IllegalStateException("neither assigned nor refused within 30 s");
    }
  }

  private static void produceQuietly(Properties properties, String topic) throws Exception {
    // Not idempotent: the broker then answers about the topic itself (an idempotent producer is
    // refused earlier, for want of IDEMPOTENT_WRITE on the cluster).
    properties.put("enable.idempotence", "false");
    properties.put("key.serializer", StringSerializer.class.getName());
    properties.put("value.serializer", StringSerializer.class.getName());
    properties.put("max.block.ms", "15000");
    properties.put("delivery.timeout.ms", "15000");
    properties.put("request.timeout.ms", "10000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
      producer.send(new ProducerRecord<>(topic, "forged", "{\"forged\":true}")).get(20, TimeUnit.SECONDS);
    }
  }

  private static void emit(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static String quote(String value) {
    if (value == null) return "null";
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    return out.append('"').toString();
  }
}
