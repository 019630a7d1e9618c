package org.legonet.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.legonet.core.LegoNetException;
import picocli.CommandLine.Option;

/**
 * Where {@code train}, {@code forget}, {@code add} and {@code verify} do their work: in this process
 * (the default) or as Spark jobs. Names no Spark class, so that a command run in process never loads
 * Spark (start-up stays as fast as without it); {@link SparkEngine} is the only class that does.
 */
public final class EngineOptions {
    /** The engines: in this process, or Apache Spark. */
    enum Engine {
        local, spark
    }

    /** The master when neither {@code --master} nor spark-submit names one. */
    static final String DEFAULT_MASTER = "local[*]";

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "local",
            description = "Where the work runs: 'local' (in this process; the default) or 'spark' (as Spark jobs: "
                    + "needs Spark on the class path, which ./legonet adds and spark-submit brings). "
                    + "Both give the same bits.")
    Engine engine = Engine.local;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master, with --engine spark (default: the one "
            + "spark-submit set, else " + DEFAULT_MASTER + ": every core of this machine).")
    String master;

    @Option(names = "--partitions", paramLabel = "N", description = "With --engine spark, train only: input partitions "
            + "of the private samples (default: Spark's default parallelism). Never changes a result, only the time.")
    Integer partitions;

    @Option(names = "--spark-conf", paramLabel = "K=V", description = "A Spark setting, with --engine spark "
            + "(repeat for several), e.g. spark.executor.memory=8g.")
    Map<String, String> conf = new LinkedHashMap<>();

    /**
     * Whether Spark runs the command; checks first that the Spark options go with {@code --engine
     * spark} and that Spark is on the class path.
     *
     * @param command the command's name, for the messages
     * @param trains  whether the command trains from input data (the only one {@code --partitions} applies to)
     */
    boolean spark(String command, boolean trains) {
        if (engine != Engine.spark) {
            String given = master != null ? "--master" : partitions != null ? "--partitions"
                    : !conf.isEmpty() ? "--spark-conf" : null;
            if (given != null) {
                throw new LegoNetException(given + " applies to --engine spark only; add --engine spark");
            }
            return false;
        }
        if (partitions != null && !trains) {
            throw new LegoNetException("--partitions applies to train only: " + command
                    + " runs one Spark task per adapter it retrains");
        }
        if (partitions != null && partitions < 1) {
            throw new LegoNetException("--partitions must be at least 1, got " + partitions);
        }
        if (!sparkOnClassPath()) {
            throw new LegoNetException("--engine spark needs Apache Spark on the class path, and it is not there; "
                    + "run through ./legonet (which adds it) or spark-submit");
        }
        return true;
    }

    /** Whether Spark's classes can be loaded (looked up without initializing them). */
    static boolean sparkOnClassPath() {
        try {
            Class.forName("org.apache.spark.SparkContext", false, EngineOptions.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
