package org.globalsessions.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * What every jar the build makes carries for a release (issue 23, item 7): the licence and the
 * notice, and in its manifest the project's version and a stable module name; the libraries
 * users depend on also ship a sources and a javadoc jar.
 *
 * <p>It runs in it/, the last module of the reactor, and reads the jars in every module's
 * {@code target/} (the modules are those of the root pom), so a module whose jar is missing
 * fails it: run it with the whole reactor ({@code mvn -B verify}).
 */
class ReleaseJarsIT {

    private static final Path ROOT = Path.of(System.getProperty("gs.project.root", "..")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("gs.project.version", "");

    /** The modules whose API users call: each has a sources and a javadoc jar. */
    private static final List<String> LIBRARIES = List.of("shm-lru", "runtime", "actors", "client-api", "spring-session");

    /** The jars made besides each module's main jar: the launcher's and the benchmarks' fat jars. */
    private static final List<String> FAT_JARS = List.of("launcher/target/global-sessions.jar", "bench/target/benchmarks.jar");

    @Test
    void everyJarCarriesTheLicenceAndTheNotice() throws IOException {
        String licence = Files.readString(ROOT.resolve("LICENSE"));
        String notice = Files.readString(ROOT.resolve("NOTICE")).strip();
        assertTrue(licence.contains("Apache License") && licence.contains("Version 2.0, January 2004"), "LICENSE is Apache-2.0");
        List<Path> jars = allJars();
        for (Path jar : jars) {
            assertEquals(licence, entry(jar, "META-INF/LICENSE"), jar + ": META-INF/LICENSE is the project's LICENSE");
            // A fat jar's NOTICE is the project's followed by those of the libraries it bundles.
            assertTrue(entry(jar, "META-INF/NOTICE").contains(notice), jar + ": META-INF/NOTICE holds the project's NOTICE");
        }
        Path launcher = ROOT.resolve(FAT_JARS.get(0));
        assertTrue(entry(launcher, "THIRD-PARTY.txt").contains("net.openhft:chronicle-bytes"),
                launcher + ": THIRD-PARTY.txt lists the libraries it bundles and their licences");
    }

    @Test
    void everyJarOfClassesNamesItsModuleAfterItsBasePackageAndCarriesTheVersion() throws IOException {
        assertFalse(VERSION.isEmpty(), "gs.project.version is set (by the it/ pom)");
        List<Path> checked = new ArrayList<>();
        for (Module module : modules()) {
            List<Path> jars = new ArrayList<>(List.of(module.mainJar()));
            for (String fat : FAT_JARS) {
                if (fat.startsWith(module.dir + "/")) {
                    jars.add(ROOT.resolve(fat));
                }
            }
            for (Path jar : jars) {
                Attributes main = manifest(jar).getMainAttributes();
                String name = main.getValue("Automatic-Module-Name");
                assertNotNull(name, jar + ": the manifest has an Automatic-Module-Name");
                assertTrue(name.matches("org\\.globalsessions(\\.[a-z][a-z0-9]*)+"), jar + ": Automatic-Module-Name " + name);
                for (String type : module.ownClasses()) {
                    assertTrue(type.startsWith(name + "."), jar + ": Automatic-Module-Name " + name
                            + " should be the module's base package, but class " + type + " lies outside it");
                }
                assertEquals(VERSION, main.getValue("Implementation-Version"), jar + ": Implementation-Version");
                checked.add(jar);
            }
        }
        assertEquals(modules().size() + FAT_JARS.size(), checked.size(), "checked: " + checked);
    }

    @Test
    void theLibrariesShipSourcesAndJavadocJars() throws IOException {
        for (String dir : LIBRARIES) {
            Module module = modules().stream().filter(m -> m.dir.equals(dir)).findFirst().orElseThrow();
            Path sources = module.jar("-sources");
            Path javadoc = module.jar("-javadoc");
            try (JarFile jar = new JarFile(sources.toFile())) {
                for (String type : module.ownClasses()) {
                    if (!type.contains("$")) {
                        String source = type.replace('.', '/') + ".java";
                        assertNotNull(jar.getEntry(source), sources + " holds " + source);
                    }
                }
            }
            try (JarFile jar = new JarFile(javadoc.toFile())) {
                assertNotNull(jar.getEntry("index.html"), javadoc + " holds index.html");
            }
        }
    }

    /** A module of the root pom: its folder and its artifactId. */
    private record Module(String dir, String artifactId) {

        Path mainJar() {
            return jar("");
        }

        Path jar(String classifier) {
            Path jar = ROOT.resolve(dir).resolve("target").resolve(artifactId + "-" + VERSION + classifier + ".jar");
            assertTrue(Files.isRegularFile(jar), jar + " exists; this check reads every module's jars, so it needs "
                    + "the whole reactor built (mvn -B verify)");
            return jar;
        }

        /** The names of the module's own main classes, from its {@code target/classes}. */
        List<String> ownClasses() throws IOException {
            Path classes = ROOT.resolve(dir).resolve("target/classes");
            if (!Files.isDirectory(classes)) {
                return List.of();
            }
            try (Stream<Path> files = Files.walk(classes)) {
                return files.filter(f -> f.toString().endsWith(".class"))
                        .map(f -> classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", ""))
                        .filter(type -> !type.endsWith("module-info") && !type.endsWith("package-info"))
                        .toList();
            }
        }
    }

    private static List<Module> modules() throws IOException {
        List<Module> modules = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (m.find()) {
            String dir = m.group(1).trim();
            String pom = Files.readString(ROOT.resolve(dir).resolve("pom.xml"));
            // The module's own artifactId: the first one after its <parent> element.
            Matcher id = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(pom.substring(pom.indexOf("</parent>")));
            assertTrue(id.find(), dir + "/pom.xml names its artifactId");
            modules.add(new Module(dir, id.group(1).trim()));
        }
        assertFalse(modules.isEmpty(), "the root pom lists its modules");
        return modules;
    }

    /** Every jar in every module's target/, but shade's copy of the unshaded jar. */
    private static List<Path> allJars() throws IOException {
        List<Path> jars = new ArrayList<>();
        for (Module module : modules()) {
            module.mainJar();
            try (Stream<Path> files = Files.list(ROOT.resolve(module.dir).resolve("target"))) {
                files.filter(f -> f.getFileName().toString().endsWith(".jar"))
                        .filter(f -> !f.getFileName().toString().startsWith("original-"))
                        .forEach(jars::add);
            }
        }
        return jars;
    }

    private static String entry(Path jar, String name) {
        try (JarFile file = new JarFile(jar.toFile())) {
            var entry = file.getEntry(name);
            assertNotNull(entry, jar + " holds " + name);
            return new String(file.getInputStream(entry).readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(jar.toString(), e);
        }
    }

    private static Manifest manifest(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            assertNotNull(manifest, jar + " has a manifest");
            return manifest;
        }
    }
}
