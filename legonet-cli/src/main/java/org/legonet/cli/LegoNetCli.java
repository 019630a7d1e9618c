package org.legonet.cli;

import java.io.PrintWriter;
import org.legonet.core.LegoNetException;
import org.legonet.core.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code legonet} command. Exit codes: 0 success; 1 {@code verify} found a difference or
 * {@code audit} a problem;
 * 2 bad input or settings (a one-line message names the problem); 3 an internal error.
 */
@Command(name = "legonet",
        mixinStandardHelpOptions = true,
        versionProvider = LegoNetCli.VersionProvider.class,
        description = {"Exact, fast machine unlearning: a fixed encoder plus n small adapters with frozen keys. "
                + "Each sample trains only the k adapters nearest to it, so forgetting it retrains only those, "
                + "and the result equals, bit for bit, a model trained without it (prove it with 'verify')."},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = {
                "Start with:   ./legonet quickstart",
                "Typical use:  ./legonet train --model m",
                "              ./legonet forget --model m --id 12345",
                "              ./legonet add --model m --data new.csv --id-column id",
                "              ./legonet verify --model m",
                "As a service: ./legonet serve --model m --port 8080   (then ./legonet audit --model m)",
                "Exit codes: 0 ok, 1 verify found a difference (audit: a problem), 2 bad input or settings, 3 internal error."},
        subcommands = {
                QuickstartCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                PrivacyCommand.class,
                ForgetCommand.class,
                AddCommand.class,
                VerifyCommand.class,
                PredictCommand.class,
                InfoCommand.class,
                RetrainCommand.class,
                BenchCommand.class,
                ServeCommand.class,
                AuditCommand.class,
                RekeyCommand.class,
                LoadTestCommand.class,
                ArchiveRunCommand.class,
                CommandLine.HelpCommand.class})
public final class LegoNetCli implements Runnable {
    /** Exit code of {@code verify} when the model is not exact. */
    public static final int NOT_EXACT = 1;
    public static final int BAD_INPUT = 2;
    public static final int INTERNAL = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("error: out of memory; give the JVM more with JAVA_OPTS=-Xmx8g or use fewer rows (--limit)");
            code = INTERNAL;
        }
        System.exit(code);
    }

    /** The configured command line (also used by tests, which call {@code execute} in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LegoNetCli());
        cl.setExecutionExceptionHandler(LegoNetCli::handleException);
        cl.setParameterExceptionHandler(LegoNetCli::handleParameterException);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpAutoWidth(true);
        // every subcommand's -V/--version prints the version too (picocli does not inherit the provider)
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new VersionProvider());
        }
        return cl;
    }

    private static int handleException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (e instanceof LegoNetException || e instanceof IllegalArgumentException) {
            err.println("error: " + oneLine(CliMessages.of(e)));
            err.flush();
            return BAD_INPUT;
        }
        err.println("error: internal error: " + e);
        e.printStackTrace(err);
        err.flush();
        return INTERNAL;
    }

    private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("error: " + oneLine(e.getMessage()).replaceFirst("^Error: ", ""));
        err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for the options.");
        err.flush();
        return BAD_INPUT;
    }

    static String oneLine(String message) {
        if (message == null) {
            return "unknown problem";
        }
        return message.replaceAll("\\s*[\\r\\n]+\\s*", "; ").strip();
    }

    /** Prints the version and the Java runtime. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"legonet " + Version.VERSION,
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
