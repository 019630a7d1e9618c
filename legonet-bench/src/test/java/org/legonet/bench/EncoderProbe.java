package org.legonet.bench;

import java.nio.file.Path;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.data.DataLoader;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.LoadedData;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.Aggregate;
import org.legonet.core.model.Evaluation;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.ModelConfig;
import org.legonet.core.model.Trained;
import org.legonet.core.routing.Distance;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.util.Progress;
import org.legonet.dl.baseline.Probabilities;
import org.legonet.dl.cnn.CnnEncoder;

/** Development probe (not a test): fits a cnn encoder once, then trains several LegoNet settings on it. */
public final class EncoderProbe {
    public static void main(String[] args) throws Exception {
        String enc = args[0];
        LoadedData d = DataLoader.load(DataSpec.of(Path.of("/work/shared/datasets/fashion-mnist")));
        Dataset pub = d.train().slice(0, 10000, "public");
        Dataset priv = d.train().slice(10000, 60000, "private");
        Dataset test = d.test();
        ModelConfig base = ModelConfig.defaults().withEncoder(enc);
        long t0 = System.nanoTime();
        LegoNetTrainer.Encoded e = new LegoNetTrainer(base, 2, Progress.NONE).encode(pub, priv);
        float[] te = Encoders.encodeAll(e.encoder(), test, 2, Progress.NONE);
        double own = Probabilities.accuracy(Probabilities.of(((CnnEncoder) e.encoder()).weights(), test,
                Probabilities.allRows(test), 2), 10, test.labels());
        System.out.printf("encoder %s: fit %.1f s, encode %.1f s, own head test acc %.4f%n", enc, e.fitSeconds(),
                (System.nanoTime() - t0) / 1e9 - e.fitSeconds(), own);
        for (int i = 1; i < args.length; i++) {
            String[] p = args[i].split(",");  // n,k,adapter,distance
            ModelConfig c = base.withShape(Integer.parseInt(p[0]), Integer.parseInt(p[1]))
                    .withAdapter(AdapterSpec.parse(p[2]));
            if (p.length > 3) {
                c = c.withRouting(c.keys(), Distance.parse(p[3]), c.balance(), c.aggregate());
            }
            long t1 = System.nanoTime();
            Trained t = new LegoNetTrainer(c, 2, Progress.NONE).train(e);
            double acc = Evaluation.ofEncoded(t.model(), te, test.labels(), test.size()).accuracy();
            System.out.printf("  %s: test acc %.4f (%.1f s)%n", args[i], acc, (System.nanoTime() - t1) / 1e9);
        }
    }
}
