package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.testing.TestData;

/**
 * {@code legonet quickstart} with the default model settings: on the first 3,000 rows of a
 * Fashion-MNIST folder (the bundled sample's gzip files, sliced by --limit), and in a child JVM that
 * finds no Fashion-MNIST and cannot download it, where it falls back to the bundled sample.
 */
@Execution(ExecutionMode.CONCURRENT)
class QuickstartCommandTest {
    @Test
    void trainsForgetsAHundredAndVerifies(@TempDir Path tmp) {
        Path model = tmp.resolve("q");
        JsonNode j = Cli.run("quickstart", "--model", model, "--data", TestData.fashionMnistDir(), "--limit", 3000,
                "--test-limit", 300, "--quiet", "--json").ok().json();
        assertThat(j.get("verify").asText()).isEqualTo("EXACT");
        JsonNode forget = j.get("forget");
        assertThat(forget.get("forgotten").asInt()).isEqualTo(100);
        assertThat(forget.get("adapters_retrained")).isNotEmpty();
        assertThat(forget.get("digest_after").asText()).isNotEqualTo(forget.get("digest_before").asText());
        assertThat(j.get("test_accuracy").asDouble()).isGreaterThan(0.5);
        assertThat(j.get("test_accuracy_after").isNumber()).isTrue();
        assertThat(j.get("forgotten_accuracy_after").isNumber()).isTrue();
        assertThat(model.resolve("manifest.json")).isRegularFile();

        // the model it leaves is a normal model directory
        JsonNode info = Cli.run("info", "--model", model, "--json").ok().json();
        assertThat(info.get("samples_forgotten").asInt()).isEqualTo(100);
        assertThat(info.get("model_digest").asText()).isEqualTo(forget.get("digest_after").asText());
        assertThat(Cli.list(tmp)).as("the model and its id key beside it").containsExactly("q", "q.idkey");
    }

    @Test
    void withNoDataAndNoNetworkItFallsBackToTheBundledSampleAndSaysSo(@TempDir Path tmp) {
        Path home = tmp.resolve("home");
        Path sample = home.resolve(".cache/legonet/fashion-mnist-sample");

        Cli.Run r = Cli.runOffline(tmp, "quickstart", "--model", tmp.resolve("q"), "--limit", 1200, "--test-limit", 200,
                "--forget", 20, "--quiet", "--json").ok();

        List<String> notes = r.errLines().stream().filter(l -> l.startsWith("note: ")).toList();
        assertThat(notes).as("stderr:%n%s", r.err()).hasSize(1);
        assertThat(notes.get(0)).startsWith("note: the download failed (")
                .contains("using the bundled Fashion-MNIST sample (first 4,000 of 60,000 training", sample.toString());
        JsonNode j = r.json();
        assertThat(j.get("data").asText()).startsWith("the bundled Fashion-MNIST sample").endsWith(" in " + sample);
        assertThat(j.get("verify").asText()).isEqualTo("EXACT");
        assertThat(j.get("forget").get("forgotten").asInt()).isEqualTo(20);
        assertThat(j.get("public_samples").asInt() + j.get("private_samples").asInt()).isEqualTo(1200);
        assertThat(FashionMnist.isLayout(sample)).isTrue();
        assertThat(FashionMnist.locate(Map.of("HOME", home.toString()), tmp.resolve("work/here"), null))
                .as("the sample is not taken for the full set next time").isEmpty();
    }
}
