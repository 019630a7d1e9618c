package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --engine spark}: the CLI run as the legonet script runs it, in a child JVM with Spark's class
 * path (written by legonet-spark's build) ahead of this test's and Spark's JVM flags; the same digests
 * and verdicts as in process. This test JVM has no Spark (surefire leaves spark-core out), as
 * {@code legonet.jar} on its own: the in-process commands run here, and the errors about the engine
 * options are checked here too.
 */
class SparkEngineTest {
    @TempDir
    static Path tmp;
    static Path csv;

    @BeforeAll
    static void data() {
        csv = GeneratedCsv.blobs(tmp.resolve("blobs.csv"), 900, 8, 4, 11);
    }

    /** A small, fast setting: 150 public rows, 750 private. */
    private static List<String> train(Path model) {
        return List.of("train", "--model", model.toString(), "--data", csv.toString(), "--public", "150",
                "--encoder", "pca:5", "-n", "5", "-k", "2", "--adapter", "mlp:8", "--epochs", "2", "--threads", "2",
                "--json");
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> a = new ArrayList<>(args);
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void sparkTrainForgetAndVerifyGiveTheInProcessBits() throws IOException {
        Path local = tmp.resolve("local");
        Path spark = tmp.resolve("spark");
        JsonNode inProcess = Cli.run(train(local)).ok().json();

        JsonNode onSpark = spark(with(train(spark), "--engine", "spark", "--master", "local[2]", "--partitions", "3"))
                .ok().json();
        assertThat(onSpark.get("model_digest").asText()).isEqualTo(inProcess.get("model_digest").asText());
        assertThat(onSpark.get("data").asText()).isEqualTo(inProcess.get("data").asText());
        assertThat(onSpark.get("public_samples").asInt()).isEqualTo(150);
        assertThat(onSpark.get("adapter_sizes")).isEqualTo(inProcess.get("adapter_sizes"));

        List<String> forget = List.of("forget", "--id", "200", "--id", "201", "--id", "777", "--json", "-q");
        JsonNode forgotLocal = Cli.run(with(forget, "--model", local.toString())).ok().json();
        JsonNode forgotSpark = spark(with(forget, "--model", spark.toString(), "--engine=spark")).ok().json();
        assertThat(forgotSpark.get("digest_after").asText()).isEqualTo(forgotLocal.get("digest_after").asText())
                .isNotEqualTo(forgotSpark.get("digest_before").asText());
        assertThat(forgotSpark.get("adapters_retrained")).isEqualTo(forgotLocal.get("adapters_retrained"));
        assertThat(forgotSpark.get("forgotten").asInt()).isEqualTo(3);

        JsonNode verified = spark(List.of("verify", "--model", spark.toString(), "--engine", "spark", "--json", "-q"))
                .ok().json();
        assertThat(verified.get("result").asText()).isEqualTo("EXACT");
        assertThat(verified.get("rebuilt_digest").asText()).isEqualTo(forgotLocal.get("digest_after").asText());
    }

    @Test
    void inProcessCommandsLoadNoSparkClassEvenWithSparkAtHand() throws IOException {
        Path model = tmp.resolve("no-spark");
        Cli.Run r = child(List.of("-verbose:class"), train(model).subList(0, train(model).size() - 1));
        r.ok();
        assertThat(r.out()).contains("[class,load] org.legonet.cli.TrainCommand").contains("Trained.");
        assertThat(r.out().lines().filter(l -> l.contains("[class,load]"))
                .filter(l -> l.contains("org.apache.spark") || l.contains(" scala.")
                        || l.contains("org.legonet.cli.SparkEngine")))
                .as("Spark classes loaded by an in-process train").isEmpty();
    }

    @Test
    void engineOptionsMisusedAreOneLineErrors() {
        Path model = tmp.resolve("never");
        Cli.run(with(train(model), "--master", "local[2]")).badInput("--master applies to --engine spark only");
        Cli.run(with(train(model), "--spark-conf", "spark.executor.memory=2g"))
                .badInput("--spark-conf applies to --engine spark only");
        Cli.run(with(train(model), "--engine", "flink")).badInput("--engine", "local, spark", "flink");
        Cli.run("forget", "--model", model, "--id", "1", "--engine", "spark", "--partitions", "4")
                .badInput("--partitions applies to train only");
        // this JVM has no Spark, as legonet.jar alone
        Cli.run(with(train(model), "--engine", "spark")).badInput("needs Apache Spark on the class path",
                "./legonet", "spark-submit");
        assertThat(model).doesNotExist();
    }

    /** The CLI with Spark: a child JVM as the legonet script starts it for {@code --engine spark}. */
    private static Cli.Run spark(List<String> args) throws IOException {
        Path launch = Path.of(System.getProperty("legonet.spark.launch"));
        List<String> jvm = new ArrayList<>(Arrays.asList(Files.readString(launch.resolve("spark-java17.args")).strip()
                .split("\\s+")));
        jvm.addAll(List.of("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider",
                "-Dslf4j.internal.verbosity=WARN",
                "-Dlog4j2.configurationFile=" + Path.of("src/main/launch/spark-log4j2.properties").toAbsolutePath()));
        return child(jvm, args);
    }

    /** {@code legonet args} in a child JVM with Spark's class path ahead of this test's. */
    private static Cli.Run child(List<String> jvm, List<String> args) throws IOException {
        Path launch = Path.of(System.getProperty("legonet.spark.launch"));
        String cp = Files.readString(launch.resolve("spark.classpath")).strip() + java.io.File.pathSeparator
                + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-Dai.djl.offline=true"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", cp, LegoNetCli.class.getName()));
        cmd.addAll(args);
        Path out = Files.createTempFile(tmp, "stdout", ".txt");
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        try {
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("legonet " + args + " did not finish in 300 s");
            }
            String stderr = Files.readString(err).lines()
                    .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector"))
                    .map(l -> l + "\n").collect(Collectors.joining());
            return new Cli.Run(p.exitValue(), Files.readString(out), stderr);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
