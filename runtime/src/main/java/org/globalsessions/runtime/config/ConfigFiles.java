package org.globalsessions.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;

/**
 * Loads a node's configuration file in either shape:
 * <ul>
 *   <li><b>native</b>: HOCON or JSON with a {@code global-sessions} section (keys in
 *   {@code reference.conf}) and optionally a {@code pekko} section;</li>
 *   <li><b>seed</b>: the npm package's JSON files, see {@link SeedFormat}.</li>
 * </ul>
 * Relative file paths in {@code tls} are taken relative to the config file's directory.
 * Every problem is a {@link SettingsException} naming the file, the key and the value.
 */
public final class ConfigFiles {

    private static final ObjectMapper SEED_JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigFiles() {
    }

    /** Settings from {@code file} (either shape) with {@code overrides} (e.g. command-line flags) on top. */
    public static GlobalSessionsSettings load(Path file, Config overrides) {
        return SettingsReader.read(overrides.withFallback(parse(file)), file.toString());
    }

    public static GlobalSessionsSettings load(Path file) {
        return load(file, ConfigFactory.empty());
    }

    /** The file as native configuration (a seed file mapped onto native keys), not yet resolved. */
    public static Config parse(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SettingsException(file + ": no such file");
        } catch (IOException e) {
            throw new SettingsException(file + ": cannot read: " + e.getMessage(), e);
        }
        Config parsed;
        try {
            // HOCON is a superset of JSON with // comments: it reads both shapes.
            parsed = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                    .setOriginDescription(file.toString()));
        } catch (ConfigException e) {
            throw new SettingsException(file + ": malformed: " + e.getMessage().replace(file + ": ", "line "), e);
        }
        if (parsed.hasPath(GlobalSessionsSettings.ROOT)) {
            return absoluteTlsPaths(parsed, file);
        }
        if (parsed.root().containsKey("lru") && SeedFormat.MARKERS.stream().filter(key -> !key.equals("lru"))
                .noneMatch(parsed.root()::containsKey)) {
            List<String> relay = parsed.root().keySet().stream().filter(key -> !key.equals("lru")).sorted().toList();
            throw clientFile(file, "the seed format's \"lru\"" + (relay.size() == 1 ? " and \"" + relay.get(0) + "\" objects" : " object"),
                    relay.size() == 1 ? " or new SessionCacheManager(conf.lru, conf." + relay.get(0) + ")" : "",
                    "conf/seed/mid_relay.conf, \"edge_supported_relay\": true");
        }
        if (SeedFormat.MARKERS.stream().anyMatch(parsed.root()::containsKey)) {
            return seed(text, file);
        }
        throw new SettingsException(file + ": not a global-sessions config: no global-sessions section, and none of "
                + "the seed's role keys (" + String.join(", ", SeedFormat.MARKERS) + ")");
    }

    /**
     * The error for an application's (client's) configuration given to a node, if {@code file},
     * native, is one: a {@code global-sessions.edge} section and no {@code roles}. (A seed client
     * file, {@code lru} and a relay object, is refused by {@link #parse} itself.)
     */
    public static Optional<SettingsException> clientFileError(Path file) {
        Config parsed = parse(file);
        String root = GlobalSessionsSettings.ROOT;
        if (!parsed.hasPath(root + ".edge") || parsed.hasPath(root + ".roles")) {
            return Optional.empty();
        }
        return Optional.of(clientFile(file, "a global-sessions.edge section and no roles", "",
                "conf/native/relay.conf, roles = [relay, sibling]"));
    }

    /** An application's configuration given where a node's is expected: say so, and how each is used. */
    private static SettingsException clientFile(Path file, String recognisedBy, String orSeedConstructor, String nodeExample) {
        return new SettingsException(file + ": a client file (" + recognisedBy + "): it configures an application, not a node. "
                + "Load it in the application with SessionCacheManager.fromConfig(Path.of(\"" + file + "\"))" + orSeedConstructor
                + " (README.md, \"A client\"); to run a node, give the launcher a node's file (e.g. " + nodeExample
                + ") or run `global-sessions up`");
    }

    /**
     * Edge settings from a seed client's two configuration objects (the JSON a seed application
     * passes to {@code new SessionCacheManager(conf.lru, conf.my_messages)}), as maps; relative
     * tls paths are taken relative to {@code baseDirectory}. {@code overrides} win.
     */
    public static GlobalSessionsSettings seedClient(Map<String, ?> lru, Map<String, ?> relay, Path baseDirectory, Config overrides) {
        Path origin = baseDirectory.resolve("(client configuration)");
        SeedFormat.Lru lruConf;
        SeedFormat.ClientRelay relayConf;
        try {
            lruConf = lru == null ? null : SEED_JSON.convertValue(lru, SeedFormat.Lru.class);
            relayConf = relay == null ? null : SEED_JSON.convertValue(relay, SeedFormat.ClientRelay.class);
        } catch (IllegalArgumentException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnrecognizedPropertyException u) {
                throw new SettingsException("client configuration: unknown key \"" + u.getPropertyName() + "\" in "
                        + path(u) + "; known keys there: " + u.getKnownPropertyIds(), e);
            }
            throw new SettingsException("client configuration: " + (cause != null ? cause.getMessage() : e.getMessage()), e);
        }
        Map<String, Object> keys = SeedFormat.clientToNative(lruConf, relayConf, "client configuration",
                (tls, key, out) -> seedTls(tls, key, out, origin));
        Map<String, Object> rooted = new HashMap<>();
        keys.forEach((k, v) -> rooted.put(GlobalSessionsSettings.ROOT + "." + k, v));
        return SettingsReader.read(overrides.withFallback(ConfigFactory.parseMap(rooted, "client configuration (seed format)")),
                "client configuration");
    }

    private static Config seed(String text, Path file) {
        SeedFormat.File seed;
        try {
            seed = SEED_JSON.readValue(text, SeedFormat.File.class);
        } catch (UnrecognizedPropertyException e) {
            throw new SettingsException(file + ": line " + lineOf(text, e.getPropertyName(), e.getLocation().getLineNr()) + ": unknown key \""
                    + e.getPropertyName() + "\" in " + path(e) + "; known keys there: " + e.getKnownPropertyIds(), e);
        } catch (JsonProcessingException e) {
            throw new SettingsException(file + ": " + (e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ")
                    + e.getOriginalMessage(), e);
        }
        Map<String, Object> keys = SeedFormat.toNative(seed, file, (tls, key, out) -> seedTls(tls, key, out, file));
        Map<String, Object> rooted = new HashMap<>();
        keys.forEach((k, v) -> rooted.put(GlobalSessionsSettings.ROOT + "." + k, v));
        return ConfigFactory.parseMap(rooted, file + " (seed format)");
    }

    private static void seedTls(JsonNode tls, String key, Map<String, Object> out, Path file) {
        if (tls == null || tls.isNull()) {
            throw new SettingsException(file + ": " + key + " is missing: every connection is mutual TLS unless the "
                    + "config says \"tls\": false explicitly; give server_key, server_cert and client_cert (the CA certificate)");
        }
        if (tls.isBoolean() && !tls.booleanValue()) {
            out.put("tls.enabled", false);
            return;
        }
        if (!tls.isObject()) {
            throw new SettingsException(file + ": " + key + " = " + tls + ": must be an object or false");
        }
        for (Iterator<String> names = tls.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!List.of("server_key", "server_cert", "client_cert").contains(name)) {
                throw new SettingsException(file + ": unknown key \"" + name + "\" in " + key
                        + "; known keys there: [server_key, server_cert, client_cert]");
            }
        }
        out.put("tls.enabled", true);
        out.put("tls.key-file", relative(file, text(tls, "server_key", key, file)));
        out.put("tls.cert-file", relative(file, text(tls, "server_cert", key, file)));
        out.put("tls.ca-file", relative(file, text(tls, "client_cert", key, file)));
    }

    private static String text(JsonNode tls, String field, String key, Path file) {
        JsonNode value = tls.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new SettingsException(file + ": " + key + "." + field + " is missing or not a file name");
        }
        return value.asText();
    }

    private static Config absoluteTlsPaths(Config config, Path file) {
        for (String key : List.of("key-file", "cert-file", "ca-file", "key-store", "trust-store")) {
            String path = GlobalSessionsSettings.ROOT + ".tls." + key;
            if (config.hasPath(path)) {
                String value;
                try {
                    value = config.getString(path);
                } catch (ConfigException e) {
                    continue; // reported with its line when the settings are read
                }
                if (!value.isBlank()) {
                    config = config.withValue(path, ConfigValueFactory.fromAnyRef(relative(file, value), file + " (tls path)"));
                }
            }
        }
        return config;
    }

    private static String relative(Path file, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute()) {
            return p.toString();
        }
        Path dir = file.toAbsolutePath().getParent();
        return (dir == null ? p : dir.resolve(p)).normalize().toString();
    }

    /** The line a key first appears on (Jackson reports record properties where the object ends). */
    private static int lineOf(String text, String key, int fallback) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(key) + "\"\\s*:").matcher(text);
        if (!m.find()) {
            return fallback;
        }
        return (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
    }

    private static String path(UnrecognizedPropertyException e) {
        StringBuilder b = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null && !ref.getFieldName().equals(e.getPropertyName())) {
                b.append(b.length() == 0 ? "" : ".").append(ref.getFieldName());
            }
        }
        return b.length() == 0 ? "the top level" : b.toString();
    }
}
