package dev.s3backup.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.EntryType;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PathTableTest {

    @Test
    void answersAsAHashMapDoes() {
        SplittableRandom random = new SplittableRandom(5);
        PathTable table = new PathTable();
        Map<String, EntryType> model = new HashMap<>();
        String[] names = {"a", "b", "é", "日本", "x".repeat(70_000), ".a.s3backup-partial"};
        for (int i = 0; i < 50_000; i++) {
            String path = "n/" + names[random.nextInt(names.length)] + "/" + random.nextInt(20_000);
            EntryType type = EntryType.values()[random.nextInt(3)];
            assertThat(table.putIfAbsent(path, type)).isEqualTo(model.putIfAbsent(path, type));
            String probe = "n/" + names[random.nextInt(names.length)] + "/" + random.nextInt(20_000);
            assertThat(table.get(probe)).isEqualTo(model.get(probe));
            assertThat(table.containsKey(probe)).isEqualTo(model.containsKey(probe));
        }
        assertThat(table.size()).isEqualTo(model.size());
        assertThat(Map.copyOf(table)).isEqualTo(model);
    }
}
