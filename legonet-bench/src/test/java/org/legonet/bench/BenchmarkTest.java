package org.legonet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One benchmark setting on small data: every task runs, insertion beside forgetting, all verified. */
class BenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void aSettingMeasuresForgetsAndAddsAndVerifiesThemAll() throws Exception {
        Dataset all = Synthetic.blobs(900, 6, 3, 21, 1000);
        Dataset pub = all.slice(0, 150, "public");
        Dataset priv = all.slice(150, 800, "private");
        Dataset test = all.slice(800, 900, "test");
        ModelConfig base = SmallModels.config(4);
        Benchmark.Setting setting = new Benchmark.Setting(5, 2, "mlp:6");
        Benchmark.Options options = new Benchmark.Options(true, 4, 9, 2, List.of(setting), List.of(), base, tmp);
        StringWriter log = new StringWriter();
        Benchmark bench = new Benchmark(options, Progress.NONE, new PrintWriter(log, true));
        try (LegoNetTrainer.Encoded encoded = new LegoNetTrainer(base, 2, Progress.NONE).encode(pub, priv)) {
            float[] testEnc = org.legonet.core.encoder.Encoders.encodeAll(encoded.encoder(), test, 2, Progress.NONE);
            BenchResults.SettingResult r = bench.runSetting(setting, base.withShape(5, 2), encoded, test, testEnc, 3,
                    10.0, new Benchmark.Tasks(4, 1, true, true, false, true, false, true));
            assertThat(r.single().verifiedExact()).isEqualTo(4);
            assertThat(r.singleAdd()).isNotNull();
            assertThat(r.singleAdd().runs()).isEqualTo(4);
            assertThat(r.singleAdd().verifiedExact()).isEqualTo(4);
            assertThat(r.singleAdd().meanAdaptersRetrained()).isEqualTo(2.0);
            assertThat(r.add100().added()).isEqualTo(100);
            assertThat(r.add100().forgotten()).isZero();
            assertThat(r.add100().verify()).isEqualTo("EXACT");
            assertThat(r.random100().verify()).isEqualTo("EXACT");
            assertThat(r.unclass().verify()).isEqualTo("EXACT");
            assertThat(r.finalVerify()).isEqualTo("EXACT");
        }
        assertThat(log.toString()).contains("SingleAdd: p50").contains("Add100: 100 added");
    }
}
