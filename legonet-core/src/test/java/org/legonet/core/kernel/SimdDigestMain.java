package org.legonet.core.kernel;

import org.legonet.core.KeyMethod;

import java.security.MessageDigest;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.Aggregate;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.Trained;
import org.legonet.core.Distance;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.util.Digests;
import org.legonet.core.Progress;

/**
 * Run in a child JVM by {@link SimdWidthIndependenceTest} with {@code -Dlegonet.simd=W}: trains two
 * small models (PCA encoder; an MLP adapter trained with Adam, a linear one with SGD; widths chosen
 * so that every kernel has a vector tail) and prints, one per line, the vector width in use, each
 * model's digest and a digest of its predictions. Each model is trained {@code args[0]} times
 * (default 2), so that later runs use JIT-compiled (intrinsified) kernels where the first was
 * interpreted; a run that differs from the first prints an {@code unstable} line.
 */
public final class SimdDigestMain {
    private SimdDigestMain() {
    }

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Dataset all = Synthetic.blobs(260, 23, 5, 17, 500);
        Dataset pub = all.slice(0, 60, "public");
        Dataset priv = all.slice(60, 260, "private");
        System.out.println("simd " + Simd.describe());
        for (String adapter : new String[] {"mlp:37", "linear"}) {
            ModelConfig config = ModelConfig.defaults().withEncoder("pca:7").withShape(3, 2)
                    .withAdapter(AdapterSpec.parse(adapter))
                    .withRouting(KeyMethod.KMEANS, Distance.L2, true, Aggregate.WEIGHTED)
                    .withTraining(adapter.equals("linear") ? Optimizer.SGD : Optimizer.ADAM, 2, 13, 0.01f, true, 0.9f,
                            1e-3f)
                    .withSeed(99);
            Trained t = new LegoNetTrainer(config, 1, Progress.NONE).train(pub, priv);
            for (int i = 1; i < repeats; i++) {
                String again = new LegoNetTrainer(config, 1, Progress.NONE).train(pub, priv).model().digest();
                if (!again.equals(t.model().digest())) {
                    System.out.println(adapter + " unstable: run " + i + " gave " + again);
                }
            }
            float[] features = new float[pub.size() * pub.dim()];
            for (int r = 0; r < pub.size(); r++) {
                pub.copyRow(r, features, r * pub.dim());
            }
            MessageDigest md = Digests.sha256();
            Digests.update(md, t.model().predictRaw(features, pub.size()));
            System.out.println(adapter + " model " + t.model().digest());
            System.out.println(adapter + " predictions " + Digests.hex(md.digest()));
        }
    }
}
