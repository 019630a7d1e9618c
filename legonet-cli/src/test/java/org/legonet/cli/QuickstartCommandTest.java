package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.testing.TestData;

/**
 * {@code legonet quickstart} on the first 3,000 rows of the real Fashion-MNIST folder itself (the
 * gzip files, sliced by --limit), with the default model settings.
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
        assertThat(Cli.list(tmp)).containsExactly("q");
    }
}
