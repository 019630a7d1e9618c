package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.SmallModels;

/** {@link LegoNet#check}: the validation {@code apply} does (forgets and adds), computing nothing; and {@link LegoNet#generation()}. */
class LegoNetCheckTest {
    private static final LegoNet.Options OPTIONS = new LegoNet.Options(2, Progress.NONE, SmallModels.ID_KEY);

    @TempDir
    Path tmp;

    @Test
    void checkRefusesWhatApplyRefusesAndAcceptsWhatItApplies() {
        Dataset[] split = SmallModels.blobs(300, 60, 5);
        long held = split[1].id(4);
        Path dir = tmp.resolve("m");
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, null)) {
            assertThat(net.generation()).isEqualTo(-1);
            net.save(dir);
        }
        try (LegoNet net = LegoNet.openForUpdate(dir, OPTIONS)) {
            assertThat(net.generation()).isZero();
            String before = net.digest();
            net.check(Edit.forget(ForgetRequest.ofIds(held)));
            net.check(Edit.forget(ForgetRequest.ofClass(net.classes() - 1)));
            assertThatThrownBy(() -> net.check(Edit.forget(ForgetRequest.ofIds(held, 1L << 40))))
                    .isInstanceOf(UnknownIdsException.class)
                    .satisfies(e -> assertThat(((UnknownIdsException) e).ids()).containsExactly(1L << 40));
            assertThatThrownBy(() -> net.check(Edit.forget(ForgetRequest.ofClass(net.classes()))))
                    .isInstanceOf(UnknownClassException.class);
            assertThat(net.holds(held)).as("checking changes nothing").isTrue();
            assertThat(net.history()).isEmpty();
            assertThat(net.digest()).isEqualTo(before);

            LegoNet after = net.forget(held).commit();
            assertThat(after.generation()).isEqualTo(1);
            after.check(Edit.forget(ForgetRequest.ofIds(held))); // forgotten already: a no-op, not unknown
            assertThatThrownBy(() -> after.check(Edit.forget(ForgetRequest.ofIds(held + 1_000_000))))
                    .isInstanceOf(UnknownIdsException.class);

            // adds: ids held, repeated or forgotten conflict; a forget may name an id the same edit adds
            Dataset fresh = sample(after, 1L << 41, 0);
            after.check(Edit.add(fresh));
            after.check(new Edit(fresh, ForgetRequest.ofIds(1L << 41), false));
            assertThatThrownBy(() -> after.check(Edit.add(sample(after, split[1].id(9), 0))))
                    .isInstanceOf(IdConflictException.class)
                    .satisfies(e -> assertThat(((IdConflictException) e).reason()).isEqualTo(IdConflictException.Reason.HELD));
            assertThatThrownBy(() -> after.check(Edit.add(sample(after, held, 0))))
                    .isInstanceOf(IdConflictException.class).satisfies(e -> assertThat(((IdConflictException) e).reason())
                            .isEqualTo(IdConflictException.Reason.FORGOTTEN));
            after.check(Edit.add(sample(after, held, 0)).withReaddForgotten(true));
            assertThatThrownBy(() -> after.check(Edit.add(sample(after, 1L << 41, after.classes()))))
                    .isInstanceOf(LegoNetException.class).hasMessageContaining("label");
            assertThat(after.holds(1L << 41)).as("checking adds nothing").isFalse();
        }
    }

    /** One sample with this id and label, features all 0.5. */
    private static Dataset sample(LegoNet net, long id, int label) {
        float[] x = new float[net.inputDim()];
        java.util.Arrays.fill(x, 0.5f);
        return new Dataset("one sample", new long[] {id}, new int[] {label}, x, new int[] {net.inputDim()});
    }
}
