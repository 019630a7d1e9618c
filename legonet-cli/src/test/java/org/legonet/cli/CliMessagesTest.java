package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.IdConflictException;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.ModelLockedException;
import org.legonet.core.TargetExistsException;
import picocli.CommandLine;

/** Core's neutral messages become the command line's: settings become flags, remedies name flags and commands. */
class CliMessagesTest {
    @Test
    void everyModelSettingHasAFlagThatTrainTakes() {
        CommandLine.Model.CommandSpec train = LegoNetCli.commandLine().getSubcommands().get("train").getCommandSpec();
        assertThat(CliMessages.FLAGS).containsKeys(Arrays.stream(ModelConfig.class.getRecordComponents())
                .map(RecordComponent::getName).toArray(String[]::new)).containsKey("threads");
        CliMessages.FLAGS.forEach((setting, flag) ->
                assertThat(train.findOption(flag)).as(setting + " -> " + flag).isNotNull());
    }

    @Test
    void aSettingBecomesItsFlagAsAWordButNotInsideAPathOrAnotherName() {
        assertThat(CliMessages.of(new InvalidSettingException("classes",
                "classes must be positive (or 0 to take it from the public split), got -1")))
                .isEqualTo("--classes must be positive (or 0 to take it from the public split), got -1");
        assertThat(CliMessages.of(new InvalidSettingException("classes", "/data/classes.csv: sample id 3 has label 7"
                + " outside the label set 0..4 fixed by the configuration; set classes in the configuration to name a"
                + " larger label set")))
                .isEqualTo("/data/classes.csv: sample id 3 has label 7 outside the label set 0..4 fixed by the"
                        + " configuration; pass --classes to name a larger label set");
        assertThat(CliMessages.of(new InvalidSettingException("batchSize", "batchSize must be at least 1, got 0")))
                .isEqualTo("--batch must be at least 1, got 0");
        assertThat(CliMessages.of(new InvalidSettingException("adapter", "adapter 'conv' is not one of linear, mlp:H;"
                + " adapters stay as they are")))
                .isEqualTo("--adapter 'conv' is not one of linear, mlp:H; adapters stay as they are");
        assertThat(CliMessages.of(new InvalidSettingException("shards", "shards must be at least 1")))
                .isEqualTo("shards must be at least 1");
    }

    @Test
    void anOccupiedTargetAndAHeldLockNameTheFlagAndTheService() {
        Path dir = Path.of("/tmp/models/m");
        assertThat(CliMessages.of(new TargetExistsException(dir)))
                .isEqualTo("/tmp/models/m already exists; pass --force to replace it");
        assertThat(CliMessages.of(new ModelLockedException(dir)))
                .startsWith("model directory /tmp/models/m is locked by another writer")
                .contains(".lock", "'legonet serve'", "send forget requests to the service");
        assertThat(CliMessages.of(new LegoNetException("left as it is"))).isEqualTo("left as it is");
        assertThat(CliMessages.of(new IdConflictException(IdConflictException.Reason.FORGOTTEN, List.of(17L))))
                .isEqualTo("sample id 17 was forgotten; pass --readd-forgotten to add it again; nothing was added");
        assertThat(CliMessages.of(new IdConflictException(IdConflictException.Reason.HELD, List.of(17L))))
                .isEqualTo("sample id 17 already in the model; nothing was added");
    }
}
