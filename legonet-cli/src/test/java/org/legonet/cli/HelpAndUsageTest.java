package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.legonet.core.Version;

/** Help, version and option errors: no data and no training needed. */
@Execution(ExecutionMode.CONCURRENT)
class HelpAndUsageTest {
    private static final String[] COMMANDS = {"quickstart", "train", "eval", "privacy", "forget", "add", "verify", "predict", "info",
            "retrain", "bench", "serve", "audit", "loadtest"};

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void topLevelHelpListsEveryCommand(String flag) {
        Cli.Run r = Cli.run(flag).ok();
        assertThat(r.out()).startsWith("Usage: legonet").contains("Commands:").contains("Exit codes:");
        for (String c : COMMANDS) {
            assertThat(r.out()).contains("  " + c + " ");
        }
        assertThat(r.err()).isEmpty();
    }

    @Test
    void noArgumentsPrintsUsage() {
        Cli.Run r = Cli.run().ok();
        assertThat(r.out()).startsWith("Usage: legonet");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "-V"})
    void topLevelVersion(String flag) {
        Cli.Run r = Cli.run(flag).ok();
        assertThat(r.outLines()).isNotEmpty();
        assertThat(r.outLines().get(0)).isEqualTo("legonet " + Version.VERSION);
        assertThat(r.out()).contains("Java ");
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"quickstart", "train", "eval", "privacy", "forget", "add", "verify", "predict", "info", "retrain", "bench",
            "serve", "audit", "loadtest"})
    void subcommandHelp(String command) {
        Cli.Run r = Cli.run(command, "--help").ok();
        assertThat(r.out()).contains("Usage: legonet " + command).contains("--help").contains("--version");
        assertThat(r.err()).isEmpty();
        // 'help COMMAND' prints the same usage
        Cli.Run viaHelp = Cli.run("help", command).ok();
        assertThat(viaHelp.out()).contains("Usage: legonet " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"quickstart", "train", "eval", "privacy", "forget", "add", "verify", "predict", "info", "retrain", "bench",
            "serve", "audit", "loadtest"})
    void subcommandVersion(String command) {
        Cli.Run r = Cli.run(command, "--version").ok();
        assertThat(r.out()).as("'%s --version' output", command).startsWith("legonet " + Version.VERSION);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void modelCommandsDocumentTheirOptions() {
        assertThat(Cli.run("train", "--help").ok().out())
                .contains("--model", "--force", "--data", "--limit", "--public", "--encoder", "--adapters", "--activate",
                        "--epochs", "--threads", "--json", "--quiet");
        assertThat(Cli.run("forget", "--help").ok().out()).contains("--id", "--ids", "--class");
        assertThat(Cli.run("add", "--help").ok().out()).contains("--data", "--id-column", "--ids", "--first-id",
                "--readd-forgotten", "--json");
        assertThat(Cli.run("retrain", "--help").ok().out()).contains("--out", "--replace", "--data", "--public");
        assertThat(Cli.run("verify", "--help").ok().out()).contains("--affected-only");
        assertThat(Cli.run("predict", "--help").ok().out()).contains("--input", "--output");
        assertThat(Cli.run("serve", "--help").ok().out()).contains("--port", "--host", "--token-file", "--open-predict",
                "--max-body-bytes", "--max-batch", "LEGONET_TOKEN", "POST /v1/forget", "SIGTERM");
        assertThat(Cli.run("audit", "--help").ok().out()).contains("--json", "AUDIT OK");
        assertThat(Cli.run("loadtest", "--help").ok().out()).contains("--clients", "--forgets", "--forget-rate",
                "--forgets 1000 --forget-rate 100", "replaces --interval-ms");
    }

    @Test
    void unknownTopLevelOptionIsBadInputWithAHint() {
        Cli.Run r = Cli.run("--no-such-option").badInput("--no-such-option");
        assertThat(r.err()).contains("legonet --help");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unknownSubcommandOptionIsBadInputWithAHint(@TempDir Path tmp) {
        Cli.Run r = Cli.run("info", "--model", tmp, "--no-such-option").badInput("Unknown option", "--no-such-option");
        assertThat(r.errLines()).hasSize(2);
        assertThat(r.errLines().get(1)).contains("legonet info --help");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unknownCommandIsBadInput() {
        Cli.Run r = Cli.run("no-such-command").badInput("no-such-command");
        assertThat(r.err()).contains("--help");
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "eval", "privacy", "forget", "add", "verify", "predict", "info", "retrain", "serve", "audit",
            "loadtest"})
    void missingModelIsBadInput(String command) {
        Cli.Run r = Cli.run(command).badInput("--model");
        assertThat(r.err()).contains("legonet " + command + " --help");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void nonNumericOptionValueIsBadInput(@TempDir Path tmp) {
        Cli.run("train", "--model", tmp.resolve("m"), "--adapters", "many").badInput("--adapters", "many");
        assertThat(Cli.list(tmp)).isEmpty();
    }
}
