"""Search in every language (issue 14): indexing and query cost per language, English as the reference.

    .venv/bin/python bench/languages.py --quick          # ~1k documents per language, to try it out
    nice -n 10 .venv/bin/python bench/languages.py       # 7,693 per language: a mixed archive of 100,009

A synthetic multilingual corpus, made deterministically (``random.Random`` seeded per language): for each of en,
ru, de, fr, es, it, pt, hu, ro, pl, cs, sq, zh, ``--docs`` documents whose transcript (declared in that language)
is built from thirty short diplomatic sentences written in it (:data:`SENTENCES`; the same thirty in every
language, so each language's documents say the same things and its query words are about as frequent), 3,000 to
4,500 characters each. In the mixed archive ``--translated`` (default 10 %) of the non-English documents also
carry an English translation (the same sentences in English, as long as the original at most).

1. **Import, per language**: each language's documents (without translations: the language's own analysis
   alone) into a fresh data directory through ``readingroom import --json`` (bench/import.py's ``run_import``);
   documents/s from the import's own seconds (read, store, analyse, index, commit), and from the wall clock
   (with the process start).
2. **Import, mixed**: every language's documents into one archive.
3. **Queries, on the mixed archive**, per language (:data:`QUERIES`): ten single words in their dictionary form
   (the texts have them inflected), six two-word queries (both must occur) and six quoted phrases, each asking
   for 20 results with snippets and no facet counts, through the search service in this process (``service``)
   and over HTTP against ``readingroom serve --workers 2`` (``http``), ``--passes`` times after a warm-up pass,
   the languages interleaved (one shuffled order) so a change in the machine's load falls on all of them.

Prints a table (import documents/s, query p50/p95/p99 ms per mode, each with its ratio to English) and writes
``bench/results/languages-<name>.json``. The data directories and corpora live in ``--work`` and are removed at
the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.search import free_port, pct, rss_mb, run  # noqa: E402

#: "import" is a keyword: the module is loaded by name
run_import = importlib.import_module("bench.import").run_import

#: language -> thirty sentences, the same thirty in every language (a parallel corpus), inflected forms on purpose
SENTENCES: dict[str, list[str]] = {
    "en": [
        "The delegations of both governments met in Moscow on the morning of the third day of the talks.",
        "Comrade Khrushchev received the Albanian delegation and spoke about the deliveries of grain and machines.",
        "The negotiations on the trade agreement lasted for several weeks and ended without a final result.",
        "The ambassador informed the ministry that the government had rejected the proposals of the Soviet side.",
        "Mao Zedong told the visitors that the Chinese people would never accept the conditions of the treaty.",
        "The treaties signed in Warsaw provided for mutual assistance in the event of an attack.",
        "Economic aid to the allied countries was discussed at the meeting of the political committee.",
        "The foreign ministers agreed to continue the negotiations in Geneva after the elections.",
        "The delegation asked for additional credits for the construction of factories and power stations.",
        "Zhou Enlai stressed that relations between the two parties rested on equality and mutual respect.",
        "During the meetings the representatives of the embassy expressed concern about the shipments of weapons.",
        "The government of the People's Republic decided to recall its specialists and advisers.",
        "The conference of the communist and workers' parties adopted a declaration on peace and disarmament.",
        "The minister proposed that the commissions examine the questions of the borders at the next session.",
        "Enver Hoxha sharply criticised the leaders who had betrayed the principles of Marxism-Leninism.",
        "The talks between the delegations took place in a friendly atmosphere.",
        "The agreement on scientific and technical cooperation was signed by the ministers of both countries.",
        "The embassy reported that the deliveries of oil and wheat had been delayed by several months.",
        "The first secretary thanked the Soviet comrades for their assistance in difficult years.",
        "The newspapers published the joint communiqué on the results of the visit.",
        "The military advisers left the capital before the negotiations resumed.",
        "The representatives of the ministries discussed the plans for the next five years.",
        "The ambassadors of the socialist countries were invited to a reception at the ministry of foreign affairs.",
        "Khrushchev and Mao met three times, but their conversations did not resolve the disagreements.",
        "The loans granted to the allies were to be repaid in goods over ten years.",
        "The secretary of the central committee informed the delegations about the decisions of the plenum.",
        "The minutes of the meetings were sent to the embassies in Beijing, Tirana and Warsaw.",
        "The governments agreed to exchange delegations of workers, students and scientists.",
        "The talks on the withdrawal of troops continued until late in the evening.",
        "The treaty of friendship, alliance and mutual assistance remained in force for thirty years.",
    ],
    "ru": [
        "Делегации обоих правительств встретились в Москве утром третьего дня переговоров.",
        "Товарищ Хрущёв принял албанскую делегацию и говорил о поставках зерна и машин.",
        "Переговоры о торговом соглашении продолжались несколько недель и закончились без окончательного результата.",
        "Посол сообщил министерству, что правительство отклонило предложения советской стороны.",
        "Мао Цзэдун сказал гостям, что китайский народ никогда не примет условий договора.",
        "Договоры, подписанные в Варшаве, предусматривали взаимную помощь в случае нападения.",
        "Экономическая помощь союзным странам обсуждалась на заседании политического комитета.",
        "Министры иностранных дел согласились продолжить переговоры в Женеве после выборов.",
        "Делегация просила дополнительных кредитов на строительство заводов и электростанций.",
        "Чжоу Эньлай подчеркнул, что отношения между двумя партиями основаны на равенстве и взаимном уважении.",
        "Во время встреч представители посольства выразили озабоченность поставками оружия.",
        "Правительство Народной Республики решило отозвать своих специалистов и советников.",
        "Совещание коммунистических и рабочих партий приняло декларацию о мире и разоружении.",
        "Министр предложил, чтобы комиссии рассмотрели вопросы границ на следующей сессии.",
        "Энвер Ходжа резко критиковал руководителей, которые предали принципы марксизма-ленинизма.",
        "Беседы между делегациями прошли в дружественной атмосфере.",
        "Соглашение о научно-техническом сотрудничестве было подписано министрами обеих стран.",
        "Посольство сообщило, что поставки нефти и пшеницы задержаны на несколько месяцев.",
        "Первый секретарь поблагодарил советских товарищей за их помощь в трудные годы.",
        "Газеты опубликовали совместное коммюнике об итогах визита.",
        "Военные советники покинули столицу до возобновления переговоров.",
        "Представители министерств обсудили планы на следующие пять лет.",
        "Послы социалистических стран были приглашены на приём в министерство иностранных дел.",
        "Хрущёв и Мао встречались три раза, но их беседы не разрешили разногласий.",
        "Займы, предоставленные союзникам, должны были погашаться товарами в течение десяти лет.",
        "Секретарь Центрального комитета информировал делегации о решениях пленума.",
        "Протоколы встреч были отправлены в посольства в Пекине, Тиране и Варшаве.",
        "Правительства договорились обмениваться делегациями рабочих, студентов и учёных.",
        "Переговоры о выводе войск продолжались до позднего вечера.",
        "Договор о дружбе, союзе и взаимной помощи оставался в силе тридцать лет.",
    ],
    "de": [
        "Die Delegationen beider Regierungen trafen sich am Morgen des dritten Verhandlungstages in Moskau.",
        "Genosse Chruschtschow empfing die albanische Delegation und sprach über die Lieferungen von Getreide "
        "und Maschinen.",
        "Die Verhandlungen über das Handelsabkommen dauerten mehrere Wochen und endeten ohne endgültiges Ergebnis.",
        "Der Botschafter teilte dem Ministerium mit, dass die Regierung die Vorschläge der sowjetischen Seite "
        "abgelehnt habe.",
        "Mao Zedong sagte den Besuchern, dass das chinesische Volk die Bedingungen des Vertrages niemals annehmen "
        "werde.",
        "Die in Warschau unterzeichneten Verträge sahen gegenseitige Hilfe im Falle eines Angriffs vor.",
        "Die Wirtschaftshilfe für die verbündeten Länder wurde auf der Sitzung des politischen Komitees besprochen.",
        "Die Außenminister vereinbarten, die Verhandlungen nach den Wahlen in Genf fortzusetzen.",
        "Die Delegation bat um zusätzliche Kredite für den Bau von Fabriken und Kraftwerken.",
        "Zhou Enlai betonte, dass die Beziehungen zwischen den beiden Parteien auf Gleichheit und gegenseitiger "
        "Achtung beruhten.",
        "Während der Treffen äußerten die Vertreter der Botschaft ihre Besorgnis über die Lieferungen von Waffen.",
        "Die Regierung der Volksrepublik beschloss, ihre Spezialisten und Berater abzuberufen.",
        "Die Konferenz der kommunistischen und Arbeiterparteien nahm eine Erklärung über Frieden und Abrüstung an.",
        "Der Minister schlug vor, dass die Kommissionen die Grenzfragen auf der nächsten Tagung prüfen.",
        "Enver Hoxha kritisierte scharf die Führer, die die Prinzipien des Marxismus-Leninismus verraten hatten.",
        "Die Gespräche zwischen den Delegationen fanden in einer freundschaftlichen Atmosphäre statt.",
        "Das Abkommen über wissenschaftlich-technische Zusammenarbeit wurde von den Ministern beider Länder "
        "unterzeichnet.",
        "Die Botschaft berichtete, dass die Lieferungen von Erdöl und Weizen um mehrere Monate verzögert worden seien.",
        "Der Erste Sekretär dankte den sowjetischen Genossen für ihre Hilfe in schwierigen Jahren.",
        "Die Zeitungen veröffentlichten das gemeinsame Kommuniqué über die Ergebnisse des Besuches.",
        "Die militärischen Berater verließen die Hauptstadt, bevor die Verhandlungen wieder aufgenommen wurden.",
        "Die Vertreter der Ministerien erörterten die Pläne für die nächsten fünf Jahre.",
        "Die Botschafter der sozialistischen Länder wurden zu einem Empfang im Außenministerium eingeladen.",
        "Chruschtschow und Mao trafen sich dreimal, aber ihre Gespräche lösten die Meinungsverschiedenheiten nicht.",
        "Die den Verbündeten gewährten Anleihen sollten innerhalb von zehn Jahren in Waren zurückgezahlt werden.",
        "Der Sekretär des Zentralkomitees unterrichtete die Delegationen über die Beschlüsse des Plenums.",
        "Die Protokolle der Treffen wurden an die Botschaften in Peking, Tirana und Warschau geschickt.",
        "Die Regierungen vereinbarten, Delegationen von Arbeitern, Studenten und Wissenschaftlern auszutauschen.",
        "Die Verhandlungen über den Abzug der Truppen dauerten bis in den späten Abend.",
        "Der Vertrag über Freundschaft, Bündnis und gegenseitigen Beistand blieb dreißig Jahre in Kraft.",
    ],
    "fr": [
        "Les délégations des deux gouvernements se sont rencontrées à Moscou le matin du troisième jour des "
        "pourparlers.",
        "Le camarade Khrouchtchev a reçu la délégation albanaise et a parlé des livraisons de céréales et de machines.",
        "Les négociations sur l'accord commercial ont duré plusieurs semaines et se sont terminées sans résultat "
        "définitif.",
        "L'ambassadeur a informé le ministère que le gouvernement avait rejeté les propositions de la partie "
        "soviétique.",
        "Mao Zedong a dit aux visiteurs que le peuple chinois n'accepterait jamais les conditions du traité.",
        "Les traités signés à Varsovie prévoyaient une assistance mutuelle en cas d'agression.",
        "L'aide économique aux pays alliés a été discutée lors de la réunion du comité politique.",
        "Les ministres des affaires étrangères sont convenus de poursuivre les négociations à Genève après les "
        "élections.",
        "La délégation a demandé des crédits supplémentaires pour la construction d'usines et de centrales "
        "électriques.",
        "Zhou Enlai a souligné que les relations entre les deux partis reposaient sur l'égalité et le respect mutuel.",
        "Au cours des réunions, les représentants de l'ambassade ont exprimé leur inquiétude au sujet des "
        "livraisons d'armes.",
        "Le gouvernement de la République populaire a décidé de rappeler ses spécialistes et ses conseillers.",
        "La conférence des partis communistes et ouvriers a adopté une déclaration sur la paix et le désarmement.",
        "Le ministre a proposé que les commissions examinent les questions des frontières à la prochaine session.",
        "Enver Hoxha a vivement critiqué les dirigeants qui avaient trahi les principes du marxisme-léninisme.",
        "Les entretiens entre les délégations se sont déroulés dans une atmosphère amicale.",
        "L'accord de coopération scientifique et technique a été signé par les ministres des deux pays.",
        "L'ambassade a signalé que les livraisons de pétrole et de blé avaient été retardées de plusieurs mois.",
        "Le premier secrétaire a remercié les camarades soviétiques pour leur aide pendant les années difficiles.",
        "Les journaux ont publié le communiqué commun sur les résultats de la visite.",
        "Les conseillers militaires ont quitté la capitale avant la reprise des négociations.",
        "Les représentants des ministères ont discuté des plans pour les cinq prochaines années.",
        "Les ambassadeurs des pays socialistes ont été invités à une réception au ministère des affaires étrangères.",
        "Khrouchtchev et Mao se sont rencontrés trois fois, mais leurs conversations n'ont pas résolu les désaccords.",
        "Les prêts accordés aux alliés devaient être remboursés en marchandises sur dix ans.",
        "Le secrétaire du comité central a informé les délégations des décisions du plénum.",
        "Les procès-verbaux des réunions ont été envoyés aux ambassades à Pékin, Tirana et Varsovie.",
        "Les gouvernements ont convenu d'échanger des délégations d'ouvriers, d'étudiants et de savants.",
        "Les pourparlers sur le retrait des troupes se sont poursuivis jusque tard dans la soirée.",
        "Le traité d'amitié, d'alliance et d'assistance mutuelle est resté en vigueur pendant trente ans.",
    ],
    "es": [
        "Las delegaciones de ambos gobiernos se reunieron en Moscú en la mañana del tercer día de las conversaciones.",
        "El camarada Jruschov recibió a la delegación albanesa y habló de los suministros de cereales y máquinas.",
        "Las negociaciones sobre el acuerdo comercial duraron varias semanas y terminaron sin un resultado definitivo.",
        "El embajador informó al ministerio de que el gobierno había rechazado las propuestas de la parte soviética.",
        "Mao Zedong dijo a los visitantes que el pueblo chino nunca aceptaría las condiciones del tratado.",
        "Los tratados firmados en Varsovia preveían asistencia mutua en caso de agresión.",
        "La ayuda económica a los países aliados se discutió en la reunión del comité político.",
        "Los ministros de asuntos exteriores acordaron continuar las negociaciones en Ginebra después de las "
        "elecciones.",
        "La delegación pidió créditos adicionales para la construcción de fábricas y centrales eléctricas.",
        "Zhou Enlai subrayó que las relaciones entre los dos partidos se basaban en la igualdad y el respeto mutuo.",
        "Durante las reuniones, los representantes de la embajada expresaron su preocupación por los envíos de armas.",
        "El gobierno de la República Popular decidió retirar a sus especialistas y asesores.",
        "La conferencia de los partidos comunistas y obreros aprobó una declaración sobre la paz y el desarme.",
        "El ministro propuso que las comisiones examinaran las cuestiones de las fronteras en la próxima sesión.",
        "Enver Hoxha criticó duramente a los dirigentes que habían traicionado los principios del marxismo-leninismo.",
        "Las conversaciones entre las delegaciones se desarrollaron en un ambiente amistoso.",
        "El acuerdo de cooperación científica y técnica fue firmado por los ministros de ambos países.",
        "La embajada informó de que los suministros de petróleo y trigo se habían retrasado varios meses.",
        "El primer secretario agradeció a los camaradas soviéticos su ayuda en los años difíciles.",
        "Los periódicos publicaron el comunicado conjunto sobre los resultados de la visita.",
        "Los asesores militares abandonaron la capital antes de que se reanudaran las negociaciones.",
        "Los representantes de los ministerios discutieron los planes para los próximos cinco años.",
        "Los embajadores de los países socialistas fueron invitados a una recepción en el ministerio de asuntos "
        "exteriores.",
        "Jruschov y Mao se reunieron tres veces, pero sus conversaciones no resolvieron los desacuerdos.",
        "Los préstamos concedidos a los aliados debían devolverse en mercancías a lo largo de diez años.",
        "El secretario del comité central informó a las delegaciones sobre las decisiones del pleno.",
        "Las actas de las reuniones se enviaron a las embajadas en Pekín, Tirana y Varsovia.",
        "Los gobiernos acordaron intercambiar delegaciones de obreros, estudiantes y científicos.",
        "Las conversaciones sobre la retirada de las tropas continuaron hasta altas horas de la noche.",
        "El tratado de amistad, alianza y asistencia mutua permaneció en vigor durante treinta años.",
    ],
    "it": [
        "Le delegazioni dei due governi si incontrarono a Mosca la mattina del terzo giorno dei colloqui.",
        "Il compagno Krusciov ricevette la delegazione albanese e parlò delle forniture di cereali e macchine.",
        "I negoziati sull'accordo commerciale durarono diverse settimane e si conclusero senza un risultato "
        "definitivo.",
        "L'ambasciatore informò il ministero che il governo aveva respinto le proposte della parte sovietica.",
        "Mao Zedong disse ai visitatori che il popolo cinese non avrebbe mai accettato le condizioni del trattato.",
        "I trattati firmati a Varsavia prevedevano l'assistenza reciproca in caso di aggressione.",
        "Gli aiuti economici ai paesi alleati furono discussi nella riunione del comitato politico.",
        "I ministri degli esteri concordarono di proseguire i negoziati a Ginevra dopo le elezioni.",
        "La delegazione chiese crediti supplementari per la costruzione di fabbriche e centrali elettriche.",
        "Zhou Enlai sottolineò che i rapporti tra i due partiti si fondavano sull'uguaglianza e sul rispetto "
        "reciproco.",
        "Durante le riunioni i rappresentanti dell'ambasciata espressero preoccupazione per le spedizioni di armi.",
        "Il governo della Repubblica Popolare decise di richiamare i suoi specialisti e consiglieri.",
        "La conferenza dei partiti comunisti e operai adottò una dichiarazione sulla pace e sul disarmo.",
        "Il ministro propose che le commissioni esaminassero le questioni dei confini nella prossima sessione.",
        "Enver Hoxha criticò duramente i dirigenti che avevano tradito i principi del marxismo-leninismo.",
        "I colloqui tra le delegazioni si svolsero in un'atmosfera amichevole.",
        "L'accordo di cooperazione scientifica e tecnica fu firmato dai ministri dei due paesi.",
        "L'ambasciata riferì che le forniture di petrolio e di grano erano state ritardate di parecchi mesi.",
        "Il primo segretario ringraziò i compagni sovietici per il loro aiuto negli anni difficili.",
        "I giornali pubblicarono il comunicato congiunto sui risultati della visita.",
        "I consiglieri militari lasciarono la capitale prima della ripresa dei negoziati.",
        "I rappresentanti dei ministeri discussero i piani per i prossimi cinque anni.",
        "Gli ambasciatori dei paesi socialisti furono invitati a un ricevimento al ministero degli esteri.",
        "Krusciov e Mao si incontrarono tre volte, ma le loro conversazioni non risolsero i disaccordi.",
        "I prestiti concessi agli alleati dovevano essere rimborsati in merci nell'arco di dieci anni.",
        "Il segretario del comitato centrale informò le delegazioni delle decisioni del plenum.",
        "I verbali delle riunioni furono inviati alle ambasciate a Pechino, Tirana e Varsavia.",
        "I governi concordarono di scambiare delegazioni di operai, studenti e scienziati.",
        "I colloqui sul ritiro delle truppe continuarono fino a tarda sera.",
        "Il trattato di amicizia, alleanza e mutua assistenza rimase in vigore per trent'anni.",
    ],
    "pt": [
        "As delegações dos dois governos reuniram-se em Moscovo na manhã do terceiro dia das conversações.",
        "O camarada Khrushchov recebeu a delegação albanesa e falou sobre os fornecimentos de cereais e máquinas.",
        "As negociações sobre o acordo comercial duraram várias semanas e terminaram sem um resultado definitivo.",
        "O embaixador informou o ministério de que o governo tinha rejeitado as propostas da parte soviética.",
        "Mao Zedong disse aos visitantes que o povo chinês nunca aceitaria as condições do tratado.",
        "Os tratados assinados em Varsóvia previam assistência mútua em caso de agressão.",
        "A ajuda económica aos países aliados foi discutida na reunião do comité político.",
        "Os ministros dos negócios estrangeiros acordaram prosseguir as negociações em Genebra depois das eleições.",
        "A delegação pediu créditos adicionais para a construção de fábricas e centrais elétricas.",
        "Zhou Enlai sublinhou que as relações entre os dois partidos assentavam na igualdade e no respeito mútuo.",
        "Durante as reuniões, os representantes da embaixada manifestaram preocupação com os envios de armas.",
        "O governo da República Popular decidiu retirar os seus especialistas e conselheiros.",
        "A conferência dos partidos comunistas e operários aprovou uma declaração sobre a paz e o desarmamento.",
        "O ministro propôs que as comissões examinassem as questões das fronteiras na próxima sessão.",
        "Enver Hoxha criticou duramente os dirigentes que tinham traído os princípios do marxismo-leninismo.",
        "As conversações entre as delegações decorreram num ambiente amistoso.",
        "O acordo de cooperação científica e técnica foi assinado pelos ministros dos dois países.",
        "A embaixada informou que os fornecimentos de petróleo e trigo tinham sido atrasados vários meses.",
        "O primeiro secretário agradeceu aos camaradas soviéticos a sua ajuda nos anos difíceis.",
        "Os jornais publicaram o comunicado conjunto sobre os resultados da visita.",
        "Os conselheiros militares deixaram a capital antes do reinício das negociações.",
        "Os representantes dos ministérios discutiram os planos para os próximos cinco anos.",
        "Os embaixadores dos países socialistas foram convidados para uma receção no ministério dos negócios "
        "estrangeiros.",
        "Khrushchov e Mao encontraram-se três vezes, mas as suas conversas não resolveram os desacordos.",
        "Os empréstimos concedidos aos aliados deviam ser reembolsados em mercadorias ao longo de dez anos.",
        "O secretário do comité central informou as delegações sobre as decisões do plenário.",
        "As atas das reuniões foram enviadas às embaixadas em Pequim, Tirana e Varsóvia.",
        "Os governos acordaram trocar delegações de operários, estudantes e cientistas.",
        "As conversações sobre a retirada das tropas continuaram até tarde da noite.",
        "O tratado de amizade, aliança e assistência mútua permaneceu em vigor durante trinta anos.",
    ],
    "hu": [
        "A két kormány küldöttségei a tárgyalások harmadik napjának reggelén találkoztak Moszkvában.",
        "Hruscsov elvtárs fogadta az albán küldöttséget, és a gabona- és gépszállításokról beszélt.",
        "A kereskedelmi megállapodásról folytatott tárgyalások több hétig tartottak, és végleges eredmény nélkül "
        "értek véget.",
        "A nagykövet tájékoztatta a minisztériumot, hogy a kormány elutasította a szovjet fél javaslatait.",
        "Mao Ce-tung azt mondta a látogatóknak, hogy a kínai nép soha nem fogadja el a szerződés feltételeit.",
        "A Varsóban aláírt szerződések támadás esetén kölcsönös segítségnyújtást írtak elő.",
        "A szövetséges országoknak nyújtott gazdasági segélyt a politikai bizottság ülésén vitatták meg.",
        "A külügyminiszterek megállapodtak, hogy a választások után Genfben folytatják a tárgyalásokat.",
        "A küldöttség további hiteleket kért gyárak és erőművek építésére.",
        "Csou En-laj hangsúlyozta, hogy a két párt kapcsolatai az egyenlőségen és a kölcsönös tiszteleten alapulnak.",
        "A találkozók során a nagykövetség képviselői aggodalmukat fejezték ki a fegyverek szállítása miatt.",
        "A Népköztársaság kormánya úgy döntött, hogy visszahívja szakértőit és tanácsadóit.",
        "A kommunista és munkáspártok értekezlete nyilatkozatot fogadott el a békéről és a leszerelésről.",
        "A miniszter azt javasolta, hogy a bizottságok a következő ülésszakon vizsgálják meg a határkérdéseket.",
        "Enver Hoxha élesen bírálta azokat a vezetőket, akik elárulták a marxizmus-leninizmus elveit.",
        "A küldöttségek közötti megbeszélések baráti légkörben zajlottak.",
        "A tudományos és műszaki együttműködésről szóló megállapodást a két ország miniszterei írták alá.",
        "A nagykövetség jelentette, hogy a kőolaj és a búza szállítása több hónapot késett.",
        "Az első titkár megköszönte a szovjet elvtársaknak a nehéz években nyújtott segítségüket.",
        "Az újságok közzétették a látogatás eredményeiről szóló közös közleményt.",
        "A katonai tanácsadók a tárgyalások újrakezdése előtt elhagyták a fővárost.",
        "A minisztériumok képviselői megvitatták a következő öt év terveit.",
        "A szocialista országok nagyköveteit fogadásra hívták meg a külügyminisztériumba.",
        "Hruscsov és Mao háromszor találkozott, de beszélgetéseik nem oldották meg a nézeteltéréseket.",
        "A szövetségeseknek nyújtott kölcsönöket tíz év alatt árukban kellett visszafizetni.",
        "A Központi Bizottság titkára tájékoztatta a küldöttségeket a plénum határozatairól.",
        "A találkozók jegyzőkönyveit elküldték a pekingi, tiranai és varsói nagykövetségekre.",
        "A kormányok megállapodtak, hogy munkás-, diák- és tudósküldöttségeket cserélnek.",
        "A csapatkivonásról folytatott tárgyalások késő estig tartottak.",
        "A barátsági, szövetségi és kölcsönös segítségnyújtási szerződés harminc évig maradt érvényben.",
    ],
    "ro": [
        "Delegațiile celor două guverne s-au întâlnit la Moscova în dimineața celei de-a treia zile a tratativelor.",
        "Tovarășul Hrușciov a primit delegația albaneză și a vorbit despre livrările de cereale și mașini.",
        "Negocierile privind acordul comercial au durat câteva săptămâni și s-au încheiat fără un rezultat definitiv.",
        "Ambasadorul a informat ministerul că guvernul a respins propunerile părții sovietice.",
        "Mao Zedong le-a spus vizitatorilor că poporul chinez nu va accepta niciodată condițiile tratatului.",
        "Tratatele semnate la Varșovia prevedeau asistență reciprocă în caz de agresiune.",
        "Ajutorul economic pentru țările aliate a fost discutat la ședința comitetului politic.",
        "Miniștrii de externe au convenit să continue negocierile la Geneva după alegeri.",
        "Delegația a cerut credite suplimentare pentru construirea de fabrici și centrale electrice.",
        "Ciu En-lai a subliniat că relațiile dintre cele două partide se bazau pe egalitate și respect reciproc.",
        "În timpul întâlnirilor, reprezentanții ambasadei și-au exprimat îngrijorarea față de livrările de arme.",
        "Guvernul Republicii Populare a hotărât să-și recheme specialiștii și consilierii.",
        "Consfătuirea partidelor comuniste și muncitorești a adoptat o declarație privind pacea și dezarmarea.",
        "Ministrul a propus ca comisiile să examineze problemele frontierelor la sesiunea următoare.",
        "Enver Hoxha i-a criticat aspru pe conducătorii care trădaseră principiile marxism-leninismului.",
        "Convorbirile dintre delegații s-au desfășurat într-o atmosferă prietenească.",
        "Acordul de cooperare științifică și tehnică a fost semnat de miniștrii celor două țări.",
        "Ambasada a raportat că livrările de petrol și grâu au întârziat câteva luni.",
        "Primul secretar le-a mulțumit tovarășilor sovietici pentru ajutorul lor în anii grei.",
        "Ziarele au publicat comunicatul comun privind rezultatele vizitei.",
        "Consilierii militari au părăsit capitala înainte de reluarea negocierilor.",
        "Reprezentanții ministerelor au discutat planurile pentru următorii cinci ani.",
        "Ambasadorii țărilor socialiste au fost invitați la o recepție la Ministerul Afacerilor Externe.",
        "Hrușciov și Mao s-au întâlnit de trei ori, dar convorbirile lor nu au rezolvat divergențele.",
        "Împrumuturile acordate aliaților urmau să fie rambursate în mărfuri timp de zece ani.",
        "Secretarul Comitetului Central a informat delegațiile despre hotărârile plenarei.",
        "Procesele-verbale ale întâlnirilor au fost trimise ambasadelor de la Beijing, Tirana și Varșovia.",
        "Guvernele au convenit să schimbe delegații de muncitori, studenți și oameni de știință.",
        "Tratativele privind retragerea trupelor au continuat până seara târziu.",
        "Tratatul de prietenie, alianță și asistență reciprocă a rămas în vigoare timp de treizeci de ani.",
    ],
    "pl": [
        "Delegacje obu rządów spotkały się w Moskwie rano trzeciego dnia rozmów.",
        "Towarzysz Chruszczow przyjął delegację albańską i mówił o dostawach zboża i maszyn.",
        "Negocjacje w sprawie umowy handlowej trwały kilka tygodni i zakończyły się bez ostatecznego wyniku.",
        "Ambasador poinformował ministerstwo, że rząd odrzucił propozycje strony radzieckiej.",
        "Mao Zedong powiedział gościom, że naród chiński nigdy nie przyjmie warunków traktatu.",
        "Traktaty podpisane w Warszawie przewidywały wzajemną pomoc w razie napaści.",
        "Pomoc gospodarczą dla krajów sojuszniczych omawiano na posiedzeniu komitetu politycznego.",
        "Ministrowie spraw zagranicznych uzgodnili, że będą kontynuować negocjacje w Genewie po wyborach.",
        "Delegacja prosiła o dodatkowe kredyty na budowę fabryk i elektrowni.",
        "Zhou Enlai podkreślił, że stosunki między obiema partiami opierają się na równości i wzajemnym szacunku.",
        "Podczas spotkań przedstawiciele ambasady wyrazili zaniepokojenie dostawami broni.",
        "Rząd Republiki Ludowej postanowił odwołać swoich specjalistów i doradców.",
        "Narada partii komunistycznych i robotniczych przyjęła deklarację o pokoju i rozbrojeniu.",
        "Minister zaproponował, aby komisje rozpatrzyły sprawy granic na następnej sesji.",
        "Enver Hodża ostro skrytykował przywódców, którzy zdradzili zasady marksizmu-leninizmu.",
        "Rozmowy między delegacjami przebiegały w przyjaznej atmosferze.",
        "Umowa o współpracy naukowo-technicznej została podpisana przez ministrów obu krajów.",
        "Ambasada doniosła, że dostawy ropy i pszenicy opóźniły się o kilka miesięcy.",
        "Pierwszy sekretarz podziękował radzieckim towarzyszom za ich pomoc w trudnych latach.",
        "Gazety opublikowały wspólny komunikat o wynikach wizyty.",
        "Doradcy wojskowi opuścili stolicę przed wznowieniem negocjacji.",
        "Przedstawiciele ministerstw omówili plany na następne pięć lat.",
        "Ambasadorowie krajów socjalistycznych zostali zaproszeni na przyjęcie w Ministerstwie Spraw Zagranicznych.",
        "Chruszczow i Mao spotkali się trzy razy, ale ich rozmowy nie rozwiązały rozbieżności.",
        "Pożyczki udzielone sojusznikom miały być spłacane towarami przez dziesięć lat.",
        "Sekretarz Komitetu Centralnego poinformował delegacje o decyzjach plenum.",
        "Protokoły spotkań wysłano do ambasad w Pekinie, Tiranie i Warszawie.",
        "Rządy uzgodniły wymianę delegacji robotników, studentów i naukowców.",
        "Rozmowy w sprawie wycofania wojsk trwały do późnego wieczora.",
        "Traktat o przyjaźni, sojuszu i wzajemnej pomocy pozostawał w mocy przez trzydzieści lat.",
    ],
    "cs": [
        "Delegace obou vlád se sešly v Moskvě ráno třetího dne rozhovorů.",
        "Soudruh Chruščov přijal albánskou delegaci a hovořil o dodávkách obilí a strojů.",
        "Jednání o obchodní dohodě trvala několik týdnů a skončila bez konečného výsledku.",
        "Velvyslanec informoval ministerstvo, že vláda odmítla návrhy sovětské strany.",
        "Mao Ce-tung řekl návštěvníkům, že čínský lid nikdy nepřijme podmínky smlouvy.",
        "Smlouvy podepsané ve Varšavě předpokládaly vzájemnou pomoc v případě napadení.",
        "Hospodářská pomoc spojeneckým zemím byla projednána na zasedání politického výboru.",
        "Ministři zahraničních věcí se dohodli, že budou pokračovat v jednáních v Ženevě po volbách.",
        "Delegace požádala o další úvěry na výstavbu továren a elektráren.",
        "Čou En-laj zdůraznil, že vztahy mezi oběma stranami spočívají na rovnosti a vzájemné úctě.",
        "Během schůzek vyjádřili zástupci velvyslanectví znepokojení nad dodávkami zbraní.",
        "Vláda lidové republiky se rozhodla odvolat své specialisty a poradce.",
        "Porada komunistických a dělnických stran přijala prohlášení o míru a odzbrojení.",
        "Ministr navrhl, aby komise projednaly otázky hranic na příštím zasedání.",
        "Enver Hodža ostře kritizoval vůdce, kteří zradili zásady marxismu-leninismu.",
        "Rozhovory mezi delegacemi proběhly v přátelské atmosféře.",
        "Dohodu o vědeckotechnické spolupráci podepsali ministři obou zemí.",
        "Velvyslanectví oznámilo, že dodávky ropy a pšenice se opozdily o několik měsíců.",
        "První tajemník poděkoval sovětským soudruhům za jejich pomoc v těžkých letech.",
        "Noviny zveřejnily společné komuniké o výsledcích návštěvy.",
        "Vojenští poradci opustili hlavní město před obnovením jednání.",
        "Zástupci ministerstev projednali plány na příštích pět let.",
        "Velvyslanci socialistických zemí byli pozváni na recepci na ministerstvu zahraničních věcí.",
        "Chruščov a Mao se setkali třikrát, ale jejich rozhovory nevyřešily neshody.",
        "Půjčky poskytnuté spojencům měly být splaceny zbožím během deseti let.",
        "Tajemník ústředního výboru informoval delegace o usneseních pléna.",
        "Zápisy ze schůzek byly zaslány velvyslanectvím v Pekingu, Tiraně a Varšavě.",
        "Vlády se dohodly na výměně delegací dělníků, studentů a vědců.",
        "Jednání o stažení vojsk pokračovala do pozdních večerních hodin.",
        "Smlouva o přátelství, spojenectví a vzájemné pomoci zůstala v platnosti třicet let.",
    ],
    "sq": [
        "Delegacionet e dy qeverive u takuan në Moskë në mëngjesin e ditës së tretë të bisedimeve.",
        "Shoku Hrushov priti delegacionin shqiptar dhe foli për dërgesat e drithit dhe të makinave.",
        "Negociatat për marrëveshjen tregtare zgjatën disa javë dhe përfunduan pa rezultat përfundimtar.",
        "Ambasadori njoftoi ministrinë se qeveria i kishte hedhur poshtë propozimet e palës sovjetike.",
        "Mao Ce Duni u tha vizitorëve se populli kinez nuk do t'i pranonte kurrë kushtet e traktatit.",
        "Traktatet e nënshkruara në Varshavë parashikonin ndihmë të ndërsjellë në rast sulmi.",
        "Ndihma ekonomike për vendet aleate u diskutua në mbledhjen e komitetit politik.",
        "Ministrat e punëve të jashtme ranë dakord të vazhdonin negociatat në Gjenevë pas zgjedhjeve.",
        "Delegacioni kërkoi kredi shtesë për ndërtimin e fabrikave dhe të centraleve elektrike.",
        "Çu En Lai theksoi se marrëdhëniet midis dy partive mbështeteshin në barazi dhe respekt të ndërsjellë.",
        "Gjatë takimeve përfaqësuesit e ambasadës shprehën shqetësim për dërgesat e armëve.",
        "Qeveria e Republikës Popullore vendosi të tërhiqte specialistët dhe këshilltarët e saj.",
        "Mbledhja e partive komuniste dhe punëtore miratoi një deklaratë për paqen dhe çarmatimin.",
        "Ministri propozoi që komisionet të shqyrtonin çështjet e kufijve në sesionin e ardhshëm.",
        "Enver Hoxha kritikoi ashpër udhëheqësit që kishin tradhtuar parimet e marksizëm-leninizmit.",
        "Bisedimet ndërmjet delegacioneve u zhvilluan në një atmosferë miqësore.",
        "Marrëveshja për bashkëpunimin shkencor dhe teknik u nënshkrua nga ministrat e të dy vendeve.",
        "Ambasada njoftoi se dërgesat e naftës dhe të grurit ishin vonuar disa muaj.",
        "Sekretari i parë falënderoi shokët sovjetikë për ndihmën e tyre në vitet e vështira.",
        "Gazetat botuan komunikatën e përbashkët mbi rezultatet e vizitës.",
        "Këshilltarët ushtarakë u larguan nga kryeqyteti para rifillimit të negociatave.",
        "Përfaqësuesit e ministrive diskutuan planet për pesë vitet e ardhshme.",
        "Ambasadorët e vendeve socialiste u ftuan në një pritje në Ministrinë e Punëve të Jashtme.",
        "Hrushovi dhe Mao u takuan tri herë, por bisedimet e tyre nuk i zgjidhën mosmarrëveshjet.",
        "Kreditë e dhëna aleatëve do të shlyheshin me mallra gjatë dhjetë vjetëve.",
        "Sekretari i Komitetit Qendror informoi delegacionet për vendimet e plenumit.",
        "Procesverbalet e takimeve iu dërguan ambasadave në Pekin, Tiranë dhe Varshavë.",
        "Qeveritë ranë dakord të shkëmbenin delegacione punëtorësh, studentësh dhe shkencëtarësh.",
        "Bisedimet për tërheqjen e trupave vazhduan deri vonë në mbrëmje.",
        "Traktati i miqësisë, aleancës dhe ndihmës së ndërsjellë mbeti në fuqi për tridhjetë vjet.",
    ],
    "zh": [
        "两国政府代表团在会谈第三天上午于莫斯科会晤。",
        "赫鲁晓夫同志接见了阿尔巴尼亚代表团，谈到了粮食和机器的供应问题。",
        "关于贸易协定的谈判持续了几个星期，最后没有取得结果。",
        "大使通知外交部，政府拒绝了苏联方面的建议。",
        "毛泽东对来访者说，中国人民决不会接受条约的条件。",
        "在华沙签订的条约规定，一旦遭到进攻，双方相互援助。",
        "政治委员会会议讨论了对盟国的经济援助。",
        "各国外交部长同意在选举之后继续在日内瓦举行谈判。",
        "代表团要求追加贷款，用于建设工厂和发电站。",
        "周恩来强调，两党关系建立在平等和相互尊重的基础上。",
        "会见期间，大使馆代表对武器运送问题表示关切。",
        "人民共和国政府决定召回其专家和顾问。",
        "共产党和工人党会议通过了关于和平与裁军的宣言。",
        "部长建议各委员会在下届会议上审议边界问题。",
        "恩维尔·霍查严厉批评了背叛马克思列宁主义原则的领导人。",
        "两国代表团之间的会谈是在友好的气氛中进行的。",
        "两国部长签署了科学技术合作协定。",
        "大使馆报告说，石油和小麦的供应推迟了几个月。",
        "第一书记感谢苏联同志在困难年代给予的援助。",
        "各报发表了关于访问结果的联合公报。",
        "在谈判恢复之前，军事顾问离开了首都。",
        "各部代表讨论了今后五年的计划。",
        "社会主义国家的大使应邀出席了外交部的招待会。",
        "赫鲁晓夫和毛泽东会见了三次，但他们的谈话没有解决分歧。",
        "给予盟国的贷款应在十年内以商品偿还。",
        "中央委员会书记向各代表团通报了全会的决定。",
        "会谈记录已送交驻北京、地拉那和华沙的大使馆。",
        "两国政府同意互派工人、学生和科学家代表团。",
        "关于撤军的谈判一直持续到深夜。",
        "友好同盟互助条约有效期为三十年。",
    ],
}

#: language -> query kind -> queries. ``word``: one word in its dictionary form, which the texts have inflected
#: (delegation, negotiation, treaty, government, delivery, weapon, ambassador, ally, meeting, embassy);
#: ``and2``: two such words, both required; ``phrase``: a quoted phrase as the texts write it. Where Snowball (or the
#: Albanian stripper) does not bring a concept's inflected forms and its dictionary form together (es/it/pt ``arma``
#: vs ``armas``/``armi``: too short to stem; ro ``livrare`` vs ``livrările``, ``propunere``, ``ministru``, ``armă``;
#: hu ``javaslat`` vs ``javaslatait``; sq ``traktat`` -> ``trakt`` vs ``traktatet`` -> ``traktat``, ``ministër``),
#: another word of the texts stands in, so every query finds documents in its own language.
QUERIES: dict[str, dict[str, list[str]]] = {
    "en": {
        "word": [
            "delegation",
            "negotiation",
            "treaty",
            "government",
            "delivery",
            "weapon",
            "ambassador",
            "ally",
            "meeting",
            "embassy",
        ],
        "and2": [
            "delegation negotiation",
            "treaty assistance",
            "government proposal",
            "embassy delivery",
            "minister agreement",
            "weapon shipment",
        ],
        "phrase": [
            '"mutual assistance"',
            '"trade agreement"',
            '"joint communiqué"',
            '"central committee"',
            '"military advisers"',
            '"friendly atmosphere"',
        ],
    },
    "ru": {
        "word": [
            "делегация",
            "переговоры",
            "договор",
            "правительство",
            "поставка",
            "оружие",
            "посол",
            "союзник",
            "встреча",
            "посольство",
        ],
        "and2": [
            "делегация переговоры",
            "договор помощь",
            "правительство предложение",
            "посольство поставка",
            "министр соглашение",
            "оружие поставка",
        ],
        "phrase": [
            '"взаимную помощь"',
            '"торговом соглашении"',
            '"совместное коммюнике"',
            '"Центрального комитета"',
            '"Военные советники"',
            '"дружественной атмосфере"',
        ],
    },
    "de": {
        "word": [
            "Delegation",
            "Verhandlung",
            "Vertrag",
            "Regierung",
            "Lieferung",
            "Waffe",
            "Botschafter",
            "Verbündeter",
            "Treffen",
            "Botschaft",
        ],
        "and2": [
            "Delegation Verhandlung",
            "Vertrag Hilfe",
            "Regierung Vorschlag",
            "Botschaft Lieferung",
            "Minister Abkommen",
            "Waffe Lieferung",
        ],
        "phrase": [
            '"gegenseitige Hilfe"',
            '"ohne endgültiges Ergebnis"',
            '"gemeinsame Kommuniqué"',
            '"Sekretär des Zentralkomitees"',
            '"militärischen Berater"',
            '"freundschaftlichen Atmosphäre"',
        ],
    },
    "fr": {
        "word": [
            "délégation",
            "négociation",
            "traité",
            "gouvernement",
            "livraison",
            "arme",
            "ambassadeur",
            "allié",
            "réunion",
            "ambassade",
        ],
        "and2": [
            "délégation négociation",
            "traité assistance",
            "gouvernement proposition",
            "ambassade livraison",
            "ministre accord",
            "arme livraison",
        ],
        "phrase": [
            '"assistance mutuelle"',
            '"accord commercial"',
            '"communiqué commun"',
            '"comité central"',
            '"conseillers militaires"',
            '"atmosphère amicale"',
        ],
    },
    "es": {
        "word": [
            "delegación",
            "negociación",
            "tratado",
            "gobierno",
            "suministro",
            "conversación",
            "embajador",
            "aliado",
            "reunión",
            "embajada",
        ],
        "and2": [
            "delegación negociación",
            "tratado asistencia",
            "gobierno propuesta",
            "embajada suministro",
            "ministro acuerdo",
            "embajada envío",
        ],
        "phrase": [
            '"asistencia mutua"',
            '"acuerdo comercial"',
            '"comunicado conjunto"',
            '"comité central"',
            '"asesores militares"',
            '"ambiente amistoso"',
        ],
    },
    "it": {
        "word": [
            "delegazione",
            "negoziato",
            "trattato",
            "governo",
            "fornitura",
            "colloquio",
            "ambasciatore",
            "alleato",
            "riunione",
            "ambasciata",
        ],
        "and2": [
            "delegazione negoziato",
            "trattato assistenza",
            "governo proposta",
            "ambasciata fornitura",
            "ministro accordo",
            "ambasciata spedizione",
        ],
        "phrase": [
            '"assistenza reciproca"',
            '"accordo commerciale"',
            '"comunicato congiunto"',
            '"comitato centrale"',
            '"consiglieri militari"',
            '"atmosfera amichevole"',
        ],
    },
    "pt": {
        "word": [
            "delegação",
            "negociação",
            "tratado",
            "governo",
            "fornecimento",
            "conversação",
            "embaixador",
            "aliado",
            "reunião",
            "embaixada",
        ],
        "and2": [
            "delegação negociação",
            "tratado assistência",
            "governo proposta",
            "embaixada fornecimento",
            "ministro acordo",
            "embaixada envio",
        ],
        "phrase": [
            '"assistência mútua"',
            '"acordo comercial"',
            '"comunicado conjunto"',
            '"comité central"',
            '"conselheiros militares"',
            '"ambiente amistoso"',
        ],
    },
    "hu": {
        "word": [
            "küldöttség",
            "tárgyalás",
            "szerződés",
            "kormány",
            "szállítás",
            "fegyver",
            "nagykövet",
            "szövetséges",
            "találkozó",
            "nagykövetség",
        ],
        "and2": [
            "küldöttség tárgyalás",
            "szerződés segítségnyújtás",
            "kormány megállapodás",
            "nagykövetség szállítás",
            "miniszter megállapodás",
            "fegyver szállítás",
        ],
        "phrase": [
            '"kölcsönös segítségnyújtást"',
            '"kereskedelmi megállapodásról"',
            '"közös közleményt"',
            '"Központi Bizottság"',
            '"katonai tanácsadók"',
            '"baráti légkörben"',
        ],
    },
    "ro": {
        "word": [
            "delegație",
            "negociere",
            "tratat",
            "guvern",
            "tratativă",
            "minister",
            "ambasador",
            "aliat",
            "întâlnire",
            "ambasadă",
        ],
        "and2": [
            "delegație negociere",
            "tratat asistență",
            "guvern ambasador",
            "ambasadă tratat",
            "minister acord",
            "delegație guvern",
        ],
        "phrase": [
            '"asistență reciprocă"',
            '"acordul comercial"',
            '"comunicatul comun"',
            '"Comitetului Central"',
            '"Consilierii militari"',
            '"atmosferă prietenească"',
        ],
    },
    "pl": {
        "word": [
            "delegacja",
            "negocjacja",
            "traktat",
            "rząd",
            "dostawa",
            "broń",
            "ambasador",
            "sojusznik",
            "spotkanie",
            "ambasada",
        ],
        "and2": [
            "delegacja negocjacja",
            "traktat pomoc",
            "rząd propozycja",
            "ambasada dostawa",
            "minister umowa",
            "broń dostawa",
        ],
        "phrase": [
            '"wzajemną pomoc"',
            '"umowy handlowej"',
            '"wspólny komunikat"',
            '"Komitetu Centralnego"',
            '"Doradcy wojskowi"',
            '"przyjaznej atmosferze"',
        ],
    },
    "cs": {
        "word": [
            "delegace",
            "jednání",
            "smlouva",
            "vláda",
            "dodávka",
            "zbraň",
            "velvyslanec",
            "spojenec",
            "schůzka",
            "velvyslanectví",
        ],
        "and2": [
            "delegace jednání",
            "smlouva pomoc",
            "vláda návrh",
            "velvyslanectví dodávka",
            "ministr dohoda",
            "zbraň dodávka",
        ],
        "phrase": [
            '"vzájemnou pomoc"',
            '"obchodní dohodě"',
            '"společné komuniké"',
            '"ústředního výboru"',
            '"Vojenští poradci"',
            '"přátelské atmosféře"',
        ],
    },
    "sq": {
        "word": [
            "delegacion",
            "negociatë",
            "bisedim",
            "qeveri",
            "dërgesë",
            "armë",
            "ambasador",
            "aleat",
            "takim",
            "ambasadë",
        ],
        "and2": [
            "delegacion negociatë",
            "delegacion ndihmë",
            "qeveri propozim",
            "ambasadë dërgesë",
            "marrëveshje qeveri",
            "armë dërgesë",
        ],
        "phrase": [
            '"ndihmë të ndërsjellë"',
            '"marrëveshjen tregtare"',
            '"komunikatën e përbashkët"',
            '"Komitetit Qendror"',
            '"Këshilltarët ushtarakë"',
            '"atmosferë miqësore"',
        ],
    },
    "zh": {
        "word": ["代表团", "谈判", "条约", "政府", "供应", "武器", "大使", "盟国", "会议", "大使馆"],
        "and2": ["代表团 谈判", "条约 援助", "政府 建议", "大使馆 供应", "部长 协定", "武器 运送"],
        "phrase": ['"相互援助"', '"贸易协定"', '"联合公报"', '"中央委员会"', '"军事顾问"', '"友好的气氛"'],
    },
}

LANGUAGES = list(SENTENCES)
LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Russian",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "hu": "Hungarian",
    "ro": "Romanian",
    "pl": "Polish",
    "cs": "Czech",
    "sq": "Albanian",
    "zh": "Chinese",
}
KINDS = ["Record of Conversation", "Memorandum", "Telegram", "Report", "Letter", "Note", "Minutes"]
PERSONS = ["Khrushchev, Nikita", "Mao Zedong", "Zhou Enlai", "Hoxha, Enver", "Gomułka, Władysław", "Kádár, János"]
CLASSIFICATIONS = ["Top Secret", "Secret", "Confidential", "Unclassified"]
#: documents per language by default: 13 of them make a mixed archive of 100,009
DEFAULT_DOCS = 7693
QUICK_DOCS = 1000


def document_text(rng: random.Random, lang: str, size: int) -> tuple[str, list[int]]:
    """A text of about ``size`` characters in ``lang``: paragraphs of three to six of the language's sentences,
    drawn (with repeats) from half of them, chosen per document. Returns the text and the sentence numbers."""
    sentences = SENTENCES[lang]
    chosen = rng.sample(range(len(sentences)), len(sentences) // 2)
    sep = "" if lang == "zh" else " "
    order: list[int] = []
    paragraphs: list[str] = []
    length = 0
    while length < size:
        para = [rng.choice(chosen) for _ in range(rng.randint(3, 6))]
        order += para
        text = sep.join(sentences[i] for i in para)
        paragraphs.append(text)
        length += len(text) + 2
    return "\n\n".join(paragraphs), order


def translation_text(order: list[int], limit: int) -> str:
    """The English version of a text's sentences (``order``), at most ``limit`` characters, one paragraph."""
    out: list[str] = []
    length = 0
    for i in order:
        sentence = SENTENCES["en"][i]
        if length + len(sentence) > limit:
            break
        out.append(sentence)
        length += len(sentence) + 1
    return " ".join(out)


def make_records(lang: str, n: int, seed: int, translated: float) -> list[dict]:
    """``n`` records in the public record shape (as bench/corpus.py writes them) whose transcript is in ``lang``;
    a share ``translated`` of them (not English ones) also has an English translation (``translations``)."""
    rng = random.Random(f"{seed}-{lang}")
    start, span = date(1949, 1, 1), (date(1989, 12, 31) - date(1949, 1, 1)).days
    name = LANGUAGE_NAMES[lang]
    records = []
    for i in range(1, n + 1):
        day = (start + timedelta(days=rng.randrange(span + 1))).isoformat()
        header = f"No. {rng.randrange(1, 9999)}/{day[:4]} - {day}"
        text, order = document_text(rng, lang, rng.randint(3000, 4500) - len(header) - 2)
        text = f"{header}\n\n{text}"
        persons = sorted(set(rng.sample(PERSONS, rng.randint(1, 2))))
        label = f"Transcript - {name}"
        record = {
            "id": f"lang-{lang}/{i}",
            "title": f"{rng.choice(KINDS)} No. {i}, {day[:4]} ({name} original)",
            "date": {"display": day, "start": day, "end": day, "certainty": "exact"},
            "citation": "",
            "archive": "Reading Room language benchmark",
            "original_languages": [lang],
            "archival_reference": {"repository": f"{name} state archive"},
            "classification": rng.choice(CLASSIFICATIONS),
            "type": "",
            "collections": [{"id": f"lang-{lang}", "title": f"{name} documents"}],
            "persons": [{"id": f"lang-person-{PERSONS.index(p)}", "name": p} for p in persons],
            "contents": [{"kind": "transcript", "language": lang, "label": label}],
            "transcripts": [{"language": lang, "label": label, "text": text}],
        }
        if lang != "en" and rng.random() < translated:
            english = translation_text(order, len(text))
            record["contents"].append({"kind": "translation", "language": "en", "label": "Translation - English"})
            record["translations"] = [{"language": "en", "label": "Translation - English", "text": english}]
        records.append(record)
    return records


def write_jsonl(path: Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False))
            fh.write("\n")


def make_corpora(work: Path, docs: int, seed: int, translated: float) -> tuple[dict[str, Path], Path, dict]:
    """One JSON Lines file per language (no translations) and the mixed archive's file (languages interleaved,
    with translations). Returns (language -> file, mixed file, characters per language)."""
    per_lang: dict[str, Path] = {}
    by_lang: dict[str, list[dict]] = {}
    chars: dict[str, dict] = {}
    for lang in LANGUAGES:
        records = make_records(lang, docs, seed, translated)
        by_lang[lang] = records
        lengths = [len(r["transcripts"][0]["text"]) for r in records]
        chars[lang] = {
            "mean_chars": round(sum(lengths) / len(lengths)),
            "translated": sum(1 for r in records if r.get("translations")),
        }
        own = [{k: v for k, v in r.items() if k != "translations"} for r in records]
        for r in own:
            r["contents"] = [c for c in r["contents"] if c["kind"] == "transcript"]
        per_lang[lang] = work / f"languages-{lang}-{docs}.jsonl"
        write_jsonl(per_lang[lang], own)
    mixed = work / f"languages-mixed-{docs * len(LANGUAGES)}.jsonl"
    write_jsonl(mixed, [by_lang[lang][i] for i in range(docs) for lang in LANGUAGES])
    return per_lang, mixed, chars


def query_mix(passes_seed: int = 12345) -> list[tuple[str, dict]]:
    """Every language's queries as (``lang/kind``, search parameters), in one shuffled order."""
    mix = [
        (f"{lang}/{kind}", {"q": q, "per_page": "20", "facets": "0"})
        for lang in LANGUAGES
        for kind, queries in QUERIES[lang].items()
        for q in queries
    ]
    random.Random(passes_seed).shuffle(mix)
    return mix


def per_language(timings: dict[str, list[float]]) -> dict[str, dict]:
    """``lang/kind`` timings -> per language: p50/p95/p99 over all its queries and per kind."""
    out: dict[str, dict] = {}
    for lang in LANGUAGES:
        every: list[float] = []
        kinds = {}
        for kind in QUERIES[lang]:
            ms = timings.get(f"{lang}/{kind}", [])
            every += ms
            kinds[kind] = {"p50": round(pct(ms, 50), 2), "p99": round(pct(ms, 99), 2), "n": len(ms)}
        out[lang] = {
            "p50": round(pct(every, 50), 2),
            "p95": round(pct(every, 95), 2),
            "p99": round(pct(every, 99), 2),
            "n": len(every),
            "kinds": kinds,
        }
    for lang in LANGUAGES:
        for p in ("p50", "p95", "p99"):
            out[lang][f"{p}_ratio"] = round(out[lang][p] / out["en"][p], 2) if out["en"][p] else None
    return out


def serve(data_dir: Path) -> tuple[subprocess.Popen, str]:
    """``readingroom serve`` (2 workers) on a free port; returns the process and the search API's base URL."""
    port = free_port()
    env = {**os.environ, "READINGROOM_DATA_DIR": str(data_dir), "READINGROOM_SEARCH_PAGE_CACHE": "0"}  # no kept answers
    env["READINGROOM_FACET_CACHE"] = "0"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/search?"
    deadline = time.monotonic() + 300
    while True:
        try:
            urllib.request.urlopen(base + "q=x", timeout=30).read()
            return proc, base
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.terminate()
                raise
            time.sleep(0.3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=0, help=f"documents per language (default {DEFAULT_DOCS:,})")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_DOCS:,} documents per language")
    ap.add_argument("--translated", type=float, default=0.1, help="share of non-English documents with a translation")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--modes", nargs="*", default=["import", "service", "http"])
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--work", type=Path, default=Path("/tmp/readingroom-bench-languages"))
    ap.add_argument("--keep", action="store_true", help="keep the corpora and data directories in --work")
    ap.add_argument("--name", default="")
    args = ap.parse_args()
    docs = args.docs or (QUICK_DOCS if args.quick else DEFAULT_DOCS)
    name = args.name or str(docs * len(LANGUAGES))
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "name": name,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "documents_per_language": docs,
        "translated": args.translated,
        "passes": args.passes,
        "languages": {},
    }
    t0 = time.monotonic()
    per_lang, mixed, chars = make_corpora(args.work, docs, args.seed, args.translated)
    print(f"corpora: {docs:,} documents x {len(LANGUAGES)} languages in {time.monotonic() - t0:.1f} s", flush=True)
    for lang in LANGUAGES:
        results["languages"][lang] = {"corpus": chars[lang]}
    mixed_dir = args.work / f"data-mixed-{name}"
    try:
        if "import" in args.modes:
            for lang in LANGUAGES:
                data_dir = args.work / f"data-{lang}"
                shutil.rmtree(data_dir, ignore_errors=True)
                row = run_import(data_dir, [str(per_lang[lang])])
                shutil.rmtree(data_dir, ignore_errors=True)
                row["own_documents_per_second"] = round(row["documents"] / row["import_seconds"], 1)
                results["languages"][lang]["import"] = row
                print(
                    f"  import {lang}: {row['documents']:,} docs, {row['import_seconds']:.1f} s "
                    f"({row['own_documents_per_second']:,.0f} docs/s; wall {row['documents_per_second']:,.0f} docs/s), "
                    f"index {row['search_index_mb']} MB, RSS {row['peak_rss_mb']} MB",
                    flush=True,
                )
            en = results["languages"]["en"]["import"]["own_documents_per_second"]
            for lang in LANGUAGES:
                row = results["languages"][lang]["import"]
                row["ratio_to_en"] = round(en / row["own_documents_per_second"], 2)
        if not mixed_dir.exists() or "import" in args.modes:
            shutil.rmtree(mixed_dir, ignore_errors=True)
            row = run_import(mixed_dir, [str(mixed)])
            row["own_documents_per_second"] = round(row["documents"] / row["import_seconds"], 1)
            results["mixed_import"] = row
            print(
                f"  import mixed: {row['documents']:,} docs, {row['import_seconds']:.1f} s "
                f"({row['own_documents_per_second']:,.0f} docs/s), index {row['search_index_mb']} MB, "
                f"database {row['database_mb']} MB, RSS {row['peak_rss_mb']} MB",
                flush=True,
            )
        run_queries(args, mixed_dir, results)
    finally:
        if not args.keep:
            shutil.rmtree(mixed_dir, ignore_errors=True)
            for path in [*per_lang.values(), mixed]:
                path.unlink(missing_ok=True)
    print_table(results)
    out = ROOT / "bench" / "results" / f"languages-{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


def run_queries(args: argparse.Namespace, data_dir: Path, results: dict) -> None:
    """The query sets on the mixed archive: in this process (``service``) and over HTTP (``http``)."""
    mix = query_mix()
    results["queries"] = {lang: QUERIES[lang] for lang in LANGUAGES}
    results["modes"] = {}
    if "service" in args.modes:
        os.environ["READINGROOM_DATA_DIR"] = str(data_dir)
        os.environ.setdefault("READINGROOM_FACET_CACHE", "0")  # the queries repeat over passes
        os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
        import django

        django.setup()
        from readingroom.search import services

        hits: dict[str, int] = {}
        for _, params in mix:
            hits[params["q"]] = services.search(params, facets=False).results.total
        results["hits"] = hits
        empty = [q for q, n in hits.items() if not n]
        print(f"  queries: {len(mix)} ({len(empty)} without hits{': ' + ', '.join(empty) if empty else ''})")

        def service(params: dict) -> None:
            services.search(params, facets=False)

        results["modes"]["service"] = per_language(run(mix, service, args.passes))
        report("service", results["modes"]["service"])
    if "http" in args.modes:
        proc, base = serve(data_dir)

        def http(params: dict) -> None:
            with urllib.request.urlopen(base + urllib.parse.urlencode(params), timeout=60) as r:
                r.read()

        try:
            results["modes"]["http"] = per_language(run(mix, http, args.passes))
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
            results["server_rss_mb"] = rss_mb([proc.pid, *map(int, children)])
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        report("http", results["modes"]["http"])


def report(mode: str, summary: dict) -> None:
    cells = "  ".join(f"{lang} {v['p50']}/{v['p99']}" for lang, v in summary.items())
    print(f"  {mode:>8} p50/p99 ms: {cells}", flush=True)


def print_table(results: dict) -> None:
    modes = results.get("modes", {})
    cols: list[tuple[str, Callable[[str], str]]] = []
    if any("import" in v for v in results["languages"].values()):
        imports = {lang: v["import"] for lang, v in results["languages"].items()}
        cols.append(("import docs/s", lambda lang: f"{imports[lang]['own_documents_per_second']:,.0f}"))
        cols.append(("x en", lambda lang: f"{1 / imports[lang]['ratio_to_en']:.2f}"))
    for mode in modes:
        cols.append((f"{mode} p50", lambda lang, m=mode: f"{modes[m][lang]['p50']:.1f}"))
        cols.append((f"{mode} p99", lambda lang, m=mode: f"{modes[m][lang]['p99']:.1f}"))
        cols.append(("p50 / en", lambda lang, m=mode: f"{modes[m][lang]['p50_ratio']:.2f}"))
    print(f"\n{results['name']}: {results['documents_per_language']:,} documents per language (shared machine)")
    print("lang  " + "  ".join(f"{title:>13}" for title, _ in cols))
    for lang in LANGUAGES:
        print(f"{lang:4}  " + "  ".join(f"{cell(lang):>13}" for _, cell in cols))


if __name__ == "__main__":
    main()
