package org.legonet.core.model;

import org.legonet.core.ModelConfig;
import org.legonet.core.Aggregate;
import org.legonet.core.KeyMethod;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.Distance;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.Progress;

/**
 * What an adapter without retained samples contributes to a prediction: nothing. The non-empty
 * routed adapters share the vote; a query whose routed adapters are all empty gets the uniform
 * distribution.
 */
class EmptyAdapterPredictionTest {
    private static final int CLASSES = 3;

    private static Trained trained(Aggregate aggregate) {
        ModelConfig c = SmallModels.config(11).withRouting(KeyMethod.KMEANS, Distance.L2, true, aggregate);
        return SmallModels.train(c, SmallModels.blobs(700, 200, 3));
    }

    /** Adapter {@code j} retrained from scratch with every one of its samples forgotten. */
    private static Adapter emptied(Trained t, int j) {
        PrivateSet without = t.data().without(t.data().members(j));
        return AdapterPool.train(LegoNetTrainer.adapterTrainer(t.model().config()), without, new int[] {j},
                t.model().config().seed(), t.model().classes(), 1, Progress.NONE)[0];
    }

    private static float[] encodings(Trained t) {
        Dataset probe = SmallModels.blobs(1000, 700, 3)[1]; // unseen samples of the same blobs
        return Encoders.encodeAll(t.model().encoder(), probe, 1, Progress.NONE);
    }

    @ParameterizedTest
    @EnumSource(Aggregate.class)
    void anEmptyAdapterDoesNotVoteAndTheOthersShareItsWeight(Aggregate aggregate) {
        Trained t = trained(aggregate);
        int j = 1;
        LegoNetModel model = t.model().withAdapters(List.of(emptied(t, j)));
        assertThat(model.adapter(j).samples()).isZero();
        assertThat(model.emptyAdapters()).isEqualTo(1);
        assertThat(t.model().emptyAdapters()).isZero();

        float[] enc = encodings(t);
        int dim = model.encoder().outputDim();
        int rows = enc.length / dim;
        float[] all = model.predictEncoded(enc, rows);
        float[] before = t.model().predictEncoded(enc, rows);
        int routedToJ = 0;
        for (int r = 0; r < rows; r++) {
            float[] x = Arrays.copyOfRange(enc, r * dim, (r + 1) * dim);
            int[] route = model.router().route(x).adapters();
            float[] row = Arrays.copyOfRange(all, r * CLASSES, (r + 1) * CLASSES);
            if (Arrays.stream(route).noneMatch(a -> a == j)) {
                assertThat(row).as("row %d, not routed to the empty adapter", r)
                        .containsExactly(Arrays.copyOfRange(before, r * CLASSES, (r + 1) * CLASSES));
                continue;
            }
            routedToJ++;
            // k = 2: the one other adapter answers alone, with weight 1 under either rule
            int other = route[0] == j ? route[1] : route[0];
            float[] p = new float[CLASSES];
            model.adapter(other).predictProba(x, 1, p);
            assertThat(row).as("row %d, routed to %s", r, Arrays.toString(route)).containsExactly(p);
        }
        assertThat(routedToJ).as("probe rows routed to the emptied adapter").isPositive();
    }

    @ParameterizedTest
    @EnumSource(Aggregate.class)
    void aModelWithoutRetainedSamplesAnswersUniformly(Aggregate aggregate) {
        Trained t = trained(aggregate);
        List<Adapter> empty = new ArrayList<>();
        for (int j = 0; j < t.model().adapterCount(); j++) {
            empty.add(emptied(t, j));
        }
        LegoNetModel model = t.model().withAdapters(empty);
        assertThat(model.emptyAdapters()).isEqualTo(model.adapterCount());

        float[] enc = encodings(t);
        int rows = enc.length / model.encoder().outputDim();
        float[] p = model.predictEncoded(enc, rows);
        float[] uniform = new float[rows * CLASSES];
        Arrays.fill(uniform, 1.0f / CLASSES);
        assertThat(p).containsExactly(uniform);
        assertThat(LegoNetModel.argmax(p, rows, CLASSES)).containsOnly(0);
    }
}
