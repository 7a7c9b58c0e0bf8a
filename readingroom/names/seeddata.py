"""A small curated list of well-known figures of the archive's documents, in the scripts and languages they are
written in (the automatic variants cover everyone else): the ``seed`` kind of name variant. Stored by migration
``0002_seed_names`` and after every ``migrate`` and ``flush`` (``NamesConfig.ready``). Keys are computed with
readingroom.names.variants."""

from readingroom.names.variants import fill

# fmt: off
SEED = {
    "mao-zedong": ["Mao Zedong", "Mao Tse-tung", "Mao Tsetung", "毛泽东", "毛澤東", "Мао Цзэдун", "Mao Ce-tung",
                   "Mao Ce Dun", "Mao Tse Tung", "Máo Zédōng"],
    "zhou-enlai": ["Zhou Enlai", "Chou En-lai", "周恩来", "周恩來", "Чжоу Эньлай", "Çu En Lai", "Tschou En-lai",
                   "Czou En-laj", "Čou En-laj", "Csou En-laj"],
    "deng-xiaoping": ["Deng Xiaoping", "Teng Hsiao-p'ing", "Teng Hsiao-ping", "邓小平", "鄧小平", "Дэн Сяопин"],
    "liu-shaoqi": ["Liu Shaoqi", "Liu Shao-ch'i", "Liu Shao-chi", "刘少奇", "劉少奇", "Лю Шаоци"],
    "nikita-khrushchev": ["Nikita Khrushchev", "Khrushchev", "Nikita Sergeyevich Khrushchev", "Никита Хрущёв",
                          "Хрущёв", "Никита Сергеевич Хрущёв", "Chruschtschow", "Chruszczow", "Chruščov",
                          "Hruscsov", "Hrushovi", "Khrouchtchev", "赫鲁晓夫"],
    "leonid-brezhnev": ["Leonid Brezhnev", "Brezhnev", "Леонид Брежнев", "Брежнев", "Леонид Ильич Брежнев",
                        "Breschnew", "Breżniew", "Brežněv", "Brezsnyev", "Brezhnjev", "勃列日涅夫"],
    "alexei-kosygin": ["Alexei Kosygin", "Kosygin", "Алексей Косыгин", "Косыгин", "Kossygin", "Kosygina", "柯西金"],
    "andrei-gromyko": ["Andrei Gromyko", "Gromyko", "Андрей Громыко", "Громыко", "Gromyko, Andrei A.", "葛罗米柯"],
    "joseph-stalin": ["Joseph Stalin", "Stalin", "Иосиф Сталин", "Сталин", "Iosif Stalin", "斯大林"],
    "enver-hoxha": ["Enver Hoxha", "Энвер Ходжа", "Ходжа", "Enver Hodscha", "Enver Hodża", "Enver Hodža",
                    "恩维尔·霍查", "霍查"],
    "mehmet-shehu": ["Mehmet Shehu", "Мехмет Шеху", "Шеху", "谢胡"],
    "josip-broz-tito": ["Josip Broz Tito", "Tito", "Иосип Броз Тито", "Тито", "Јосип Броз Тито", "铁托", "Josip Broz"],
    "walter-ulbricht": ["Walter Ulbricht", "Ulbricht", "Вальтер Ульбрихт", "Ульбрихт", "乌布利希"],
    "wladyslaw-gomulka": ["Władysław Gomułka", "Gomułka", "Владислав Гомулка", "Гомулка", "Wladyslaw Gomulka",
                          "哥穆尔卡"],
    "janos-kadar": ["János Kádár", "Kádár János", "Kádár", "Янош Кадар", "Кадар", "Janos Kadar", "卡达尔"],
    "ramiz-alia": ["Ramiz Alia", "Рамиз Алия", "拉米兹·阿利雅"],
}
# fmt: on


def seed(apps, using: str = "default") -> None:
    """Store the names above that the database ``using`` lacks (``apps``: a migration's model state or the app
    registry)."""
    SeedName = apps.get_model("names", "SeedName")
    have = set(SeedName.objects.using(using).values_list("group", "name"))
    rows = []
    for group, names in SEED.items():
        for name in dict.fromkeys(names):
            if (group, name) not in have:
                row = SeedName(group=group, name=name, script="")
                fill(row)
                rows.append(row)
    SeedName.objects.using(using).bulk_create(rows, ignore_conflicts=True)
