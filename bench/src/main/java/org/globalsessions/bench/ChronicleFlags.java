package org.globalsessions.bench;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The JVM options every JVM that loads Chronicle needs on Java 17: the same list as the root
 * pom's {@code chronicle.jvm.flags} property (a unit test checks that they agree). They are
 * compile-time constants so that {@link BenchBase}'s {@code @Fork(jvmArgsAppend = ...)} can use them.
 */
public final class ChronicleFlags {

    public static final String OPENS_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    public static final String OPENS_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    public static final String EXPORTS_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    public static final String EXPORTS_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    public static final String EXPORTS_JAVAC_FILE = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
    public static final String NO_ANALYTICS = "-Dchronicle.analytics.disable=true";

    public static final List<String> ALL =
            List.of(OPENS_LANG, OPENS_REFLECT, EXPORTS_NIO_CH, EXPORTS_REF, EXPORTS_JAVAC_FILE, NO_ANALYTICS);

    private ChronicleFlags() {
    }

    /** The flags this JVM was started without (empty when it has them all). */
    public static List<String> missingInThisJvm() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        return ALL.stream().filter(flag -> !args.contains(flag)).toList();
    }
}
