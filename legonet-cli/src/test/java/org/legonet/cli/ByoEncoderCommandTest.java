package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code legonet train --encoder onnx:PATH / torchscript:PATH} with a file that is not a usable
 * network: exit 2, one error line, and nothing written.
 */
class ByoEncoderCommandTest {
    @TempDir
    static Path shared;
    static Path slice;

    @BeforeAll
    static void data() {
        slice = Cli.writeSlice(shared.resolve("fmnist"), 800, 100);
    }

    private static Cli.Opts train(Path model, String encoder) {
        return Cli.smallTrain(model, slice).set("--limit", 800).set("--public", 200).set("--test-limit", 100)
                .set("--encoder", encoder);
    }

    @Test
    void aMissingModelFileIsOneErrorLineAndWritesNothing(@TempDir Path tmp) {
        Path model = tmp.resolve("model");
        Path missing = tmp.resolve("net.onnx");
        Cli.Run r = Cli.run(train(model, "onnx:" + missing).args("train")).badInput("onnx:", missing.toString(), "does not exist");
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.out()).isEmpty();
        assertThat(Cli.list(tmp)).isEmpty();
    }

    @Test
    void aFileThatIsNoNetworkIsOneErrorLineAndWritesNothing(@TempDir Path tmp) throws IOException {
        byte[] junk = new byte[2048];
        new Random(3).nextBytes(junk);
        Path bad = Files.write(tmp.resolve("bad"), junk);
        Path model = tmp.resolve("model");
        Cli.Run onnx = Cli.run(train(model, "onnx:" + bad).args("train")).badInput("cannot be loaded as an ONNX model");
        assertThat(onnx.errLines()).hasSize(1);
        Cli.Run ts = Cli.run(train(model, "torchscript:" + bad).args("train"))
                .badInput("cannot be loaded as a TorchScript module");
        assertThat(ts.errLines()).hasSize(1);
        assertThat(Cli.list(tmp)).containsExactly("bad");
    }

    @Test
    void anUnknownOptionIsOneErrorLine(@TempDir Path tmp) {
        Cli.run(train(tmp.resolve("model"), "onnx:/models/net.onnx:layer=3").args("train"))
                .badInput("unknown option 'layer'", "onnx:PATH");
        assertThat(Cli.list(tmp)).isEmpty();
    }
}
