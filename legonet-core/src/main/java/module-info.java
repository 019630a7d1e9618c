/**
 * LegoNet core: exact machine unlearning with a fixed encoder and adapters with frozen keys.
 *
 * <p>The API is four packages: {@code org.legonet.core} (the model's configuration, its reports and
 * its exceptions), {@code org.legonet.core.data} (datasets and their readers), and the two service
 * provider interfaces {@code org.legonet.core.encoder} and {@code org.legonet.core.adapter}.
 * Everything else is internal: exported only to LegoNet's own modules, never to users.
 *
 * <p>Rule for a new package: it is internal unless it is part of the API above. An internal package
 * gets a qualified export naming exactly the LegoNet modules whose main code uses it (their jars carry
 * an {@code Automatic-Module-Name}: org.legonet.dl, org.legonet.bench, org.legonet.server,
 * org.legonet.cli, org.legonet.spark), or no export at all. A package that Jackson binds records in is also opened to
 * {@code com.fasterxml.jackson.databind}. {@code ModuleDescriptorTest} fails on an unqualified export
 * of any other package. A new internal package also goes into the javadoc plugin's
 * {@code excludePackageNames} in legonet-core/pom.xml, so that the published javadoc shows only the API.
 */
@SuppressWarnings("module") // the sibling modules named below are built after core, so javac cannot see them
module org.legonet.core {
    requires jdk.incubator.vector;
    requires com.fasterxml.jackson.databind;
    requires java.net.http; // FashionMnist.download

    exports org.legonet.core;
    exports org.legonet.core.data;
    exports org.legonet.core.encoder;
    exports org.legonet.core.adapter;

    exports org.legonet.core.kernel to org.legonet.dl, org.legonet.bench;
    exports org.legonet.core.model to org.legonet.dl, org.legonet.bench, org.legonet.spark;
    exports org.legonet.core.util to org.legonet.dl, org.legonet.bench;
    exports org.legonet.core.store to org.legonet.bench, org.legonet.spark;
    exports org.legonet.core.unlearn to org.legonet.bench, org.legonet.spark;
    // routing: to the Spark engine only, which routes on its executors with the frozen keys it ships;
    // the CLI and the service use only the API packages
    exports org.legonet.core.routing to org.legonet.spark;

    // Jackson reads and writes the records of the manifest (store) and ChangeRecord (org.legonet.core).
    opens org.legonet.core to com.fasterxml.jackson.databind;
    opens org.legonet.core.store to com.fasterxml.jackson.databind;

    // Encoder families beyond the built-ins (legonet-dl's cnn, onnx:, torchscript:) come from ServiceLoader.
    uses org.legonet.core.encoder.EncoderProvider;
}
