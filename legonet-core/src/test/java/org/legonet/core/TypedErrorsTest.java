package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;

/**
 * Core's errors are typed and neutral: a setting out of range is an {@link InvalidSettingException}
 * naming the setting as {@link ModelConfig} does, with that name as a word in the message (so a
 * front end can put its own in its place); an occupied target and a held lock have their own types.
 */
class TypedErrorsTest {
    @TempDir
    Path tmp;

    private static final ModelConfig SMALL = SmallModels.config(7);

    private static void assertSetting(String setting, ThrowingCallable bad) {
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, bad);
        assertThat(e).as(setting).isNotNull();
        assertThat(e.setting()).isEqualTo(setting);
        assertThat(e.getMessage()).as(e.getMessage())
                .containsPattern(Pattern.compile("(?<![\\w-])" + Pattern.quote(setting) + "(?![\\w-])"))
                .doesNotContain("--");
    }

    @Test
    void everyModelSettingOutOfRangeIsNamedAsTheConfigurationNamesIt() {
        assertSetting("adapters", () -> SMALL.withShape(0, 1));
        assertSetting("activate", () -> SMALL.withShape(5, 6));
        assertSetting("activate", () -> SMALL.withShape(5, 0));
        assertSetting("classes", () -> SMALL.withClasses(-1));
        assertSetting("encoder", () -> SMALL.withEncoder(" "));
        assertSetting("epochs", () -> SMALL.withTraining(Optimizer.ADAM, 0, 8, 0.01f, true, 0.9f, 0f));
        assertSetting("batchSize", () -> SMALL.withTraining(Optimizer.ADAM, 2, 0, 0.01f, true, 0.9f, 0f));
        assertSetting("learningRate", () -> SMALL.withTraining(Optimizer.ADAM, 2, 8, 0f, true, 0.9f, 0f));
        assertSetting("momentum", () -> SMALL.withTraining(Optimizer.SGD, 2, 8, 0.01f, true, 1f, 0f));
        assertSetting("weightDecay", () -> SMALL.withTraining(Optimizer.ADAM, 2, 8, 0.01f, true, 0.9f, -1f));
        assertSetting("adapter", () -> AdapterSpec.parse("mlp:x"));
        assertSetting("adapter", () -> AdapterSpec.parse("conv"));
        Dataset d = Synthetic.blobs(20, 6, 3, 1, 0);
        assertSetting("encoder", () -> Encoders.fit("pca:0", d, 0, Progress.NONE));
        assertSetting("encoder", () -> Encoders.fit("resnet:50", d, 0, Progress.NONE));
    }

    @Test
    void trainingNamesThreadsAdaptersAndTheLabelSet() {
        assertSetting("threads", () -> new LegoNetTrainer(SMALL, 0, Progress.NONE));
        Dataset oneClass = Synthetic.blobs(30, 6, 1, 1, 0);
        Dataset threeClasses = Synthetic.blobs(30, 6, 3, 1, 1000);
        assertSetting("classes", () -> new LegoNetTrainer(SMALL, 1, Progress.NONE).train(oneClass, threeClasses));
        Dataset twoClasses = Synthetic.blobs(30, 6, 2, 1, 0);
        assertSetting("classes", () -> new LegoNetTrainer(SMALL, 1, Progress.NONE).train(twoClasses, threeClasses));
        assertThatThrownBy(() -> new LegoNetTrainer(SMALL, 1, Progress.NONE).train(twoClasses, threeClasses))
                .hasMessageContaining("set classes in the configuration");
        assertSetting("adapters", () -> KeyBuilder.build(new float[4 * 2], 4, 2, 5, 2, KeyMethod.KMEANS,
                Distance.L2, true, 1, Progress.NONE));
    }

    @Test
    void anOccupiedTargetAndAHeldLockHaveTheirOwnTypes() throws IOException {
        Path occupied = Files.createDirectories(tmp.resolve("m"));
        Files.writeString(occupied.resolve("x"), "x");
        TargetExistsException exists = catchThrowableOfType(TargetExistsException.class,
                () -> ModelStore.checkTarget(occupied, false));
        assertThat(exists).isNotNull();
        assertThat(exists.dir()).isEqualTo(occupied.toAbsolutePath().normalize());
        assertThat(exists.getMessage()).contains("already exists").doesNotContain("--");

        Dataset[] split = SmallModels.blobs(120, 40, 3);
        Path dir = tmp.resolve("model");
        ModelStore.create(dir, SmallModels.train(SMALL, split), SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        try (ModelStore writer = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            ModelLockedException locked = catchThrowableOfType(ModelLockedException.class,
                    () -> ModelStore.open(dir, true, SmallModels.ID_KEY));
            assertThat(locked).isNotNull();
            assertThat(locked.getMessage()).contains("locked by another writer", ".lock").doesNotContain("legonet");
            assertThat(writer.writable()).isTrue();
        }
    }
}
