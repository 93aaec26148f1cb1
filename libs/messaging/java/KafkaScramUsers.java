// SCRAM-SHA-512 users of a Kafka cluster, with the official Java Admin client (KIP-554
// AlterUserScramCredentials, which kafkajs lacks). Run as a single source file by Java 17+:
//
//   java -cp '<kafka jars>/*' KafkaScramUsers.java upsert <user> | delete <user> | list
//
// The Admin client's settings (bootstrap.servers, security.protocol, sasl.*, ssl.*) and, for
// upsert, `scram.password` arrive on stdin as Java properties: secrets never appear on the
// command line (/proc/<pid>/cmdline is world-readable). Called by libs/messaging/src/scram-users.ts.
//
// Exit codes: 0 done; 1 failure (message on stderr); 2 usage; 3 delete of an unknown user.
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.errors.ResourceNotFoundException;

public class KafkaScramUsers {
  private static final int ITERATIONS = 8192;

  public static void main(String[] args) throws Exception {
    String command = args.length > 0 ? args[0] : "";
    boolean needsUser = command.equals("upsert") || command.equals("delete");
    if (!(needsUser && args.length == 2) && !(command.equals("list") && args.length == 1)) {
      System.err.println("usage: KafkaScramUsers upsert <user> | delete <user> | list  (settings on stdin)");
      System.exit(2);
    }
    Properties settings = new Properties();
    settings.load(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String password = (String) settings.remove("scram.password");
    settings.putIfAbsent("request.timeout.ms", "15000");
    settings.putIfAbsent("default.api.timeout.ms", "30000");
    try (Admin admin = Admin.create(settings)) {
      switch (command) {
        case "upsert" -> {
          if (password == null || password.isEmpty()) {
            System.err.println("upsert needs scram.password on stdin");
            System.exit(2);
          }
          admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
              args[1], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password)))
              .all().get(30, TimeUnit.SECONDS);
        }
        case "delete" -> admin.alterUserScramCredentials(List.of(
                new UserScramCredentialDeletion(args[1], ScramMechanism.SCRAM_SHA_512)))
            .all().get(30, TimeUnit.SECONDS);
        default -> {
          Map<String, UserScramCredentialsDescription> users =
              admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS);
          for (UserScramCredentialsDescription user : users.values()) {
            boolean sha512 = user.credentialInfos().stream()
                .anyMatch(info -> info.mechanism() == ScramMechanism.SCRAM_SHA_512);
            if (sha512) System.out.println(user.name());
          }
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println(cause.getClass().getSimpleName() + ": " + cause.getMessage());
      System.exit(cause instanceof ResourceNotFoundException ? 3 : 1);
    }
  }
}
