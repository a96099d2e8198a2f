"""The films the OMDb stand-in knows.

Years, directors, IMDb ids, runtimes and genres are the real ones. Ratings and
scores are rounded snapshots that may drift from the live sites. Every plot
was written for this catalogue.
"""

from dataclasses import dataclass

NOT_AVAILABLE = "N/A"


@dataclass(frozen=True, kw_only=True)
class Film:
    """
    One catalogue entry; fields OMDb would not know stay `N/A`.
    """

    title: str
    year: int
    imdb_id: str
    rated: str
    released: str
    runtime_minutes: int
    genre: str
    director: str
    writer: str
    actors: str
    language: str
    country: str
    plot_short: str
    plot_full: str
    awards: str = NOT_AVAILABLE
    metascore: str = NOT_AVAILABLE
    imdb_rating: str = NOT_AVAILABLE
    kind: str = "movie"
    # Other spellings OMDb's title lookup also accepts, such as unaccented ones.
    aliases: tuple[str, ...] = ()


FILMS: tuple[Film, ...] = (
    Film(
        title="The Matrix",
        year=1999,
        imdb_id="tt0133093",
        rated="R",
        released="31 Mar 1999",
        runtime_minutes=136,
        genre="Action, Sci-Fi",
        director="Lana Wachowski, Lilly Wachowski",
        writer="Lilly Wachowski, Lana Wachowski",
        actors="Keanu Reeves, Laurence Fishburne, Carrie-Anne Moss",
        language="English",
        country="United States, Australia",
        awards="Won 4 Oscars",
        metascore="73",
        imdb_rating="8.7",
        plot_short=(
            "A hacker learns that the world he knows is a simulation run by "
            "machines and joins a small band of rebels fighting to free "
            "humanity from it."
        ),
        plot_full=(
            "Thomas Anderson writes software by day and breaks into systems by "
            "night, haunted by the sense that something about the world is "
            "wrong. A rebel called Morpheus shows him the truth: everyday life "
            "is a computer-generated illusion, while real human bodies lie in "
            "pods harvested by intelligent machines. Renamed Neo, he learns to "
            "bend the simulation's rules as its agents hunt his crew, and must "
            "decide whether he is the saviour Morpheus believes him to be."
        ),
    ),
    Film(
        title="Spirited Away",
        year=2001,
        imdb_id="tt0245429",
        rated="PG",
        released="20 Jul 2001",
        runtime_minutes=125,
        genre="Animation, Adventure, Family",
        director="Hayao Miyazaki",
        writer="Hayao Miyazaki",
        actors="Rumi Hiiragi, Miyu Irino, Mari Natsuki",
        language="Japanese",
        country="Japan",
        awards="Won 1 Oscar",
        metascore="96",
        imdb_rating="8.6",
        plot_short=(
            "Trapped in a realm of spirits after her parents are turned into "
            "pigs, a young girl takes work in a bathhouse for gods to find a "
            "way home."
        ),
        plot_full=(
            "Chihiro is sulking in the back seat on the way to a new home when "
            "her father takes a wrong turn and they find an empty theme park. "
            "Her parents feast on food meant for the spirits who gather there "
            "at dusk, and are turned into pigs. To stay alive, Chihiro signs "
            "on at a towering bathhouse run by the witch Yubaba, who takes her "
            "name from her. With the help of the mysterious boy Haku and a few "
            "unlikely friends, she sets out to win back her family and herself."
        ),
    ),
    Film(
        title="Casablanca",
        year=1942,
        imdb_id="tt0034583",
        rated="PG",
        released="23 Jan 1943",
        runtime_minutes=102,
        genre="Drama, Romance, War",
        director="Michael Curtiz",
        writer="Julius J. Epstein, Philip G. Epstein, Howard Koch",
        actors="Humphrey Bogart, Ingrid Bergman, Paul Henreid",
        language="English, French, German, Italian",
        country="United States",
        awards="Won 3 Oscars",
        metascore="100",
        imdb_rating="8.5",
        plot_short=(
            "An embittered American café owner in wartime Morocco holds the "
            "papers that could save the woman who broke his heart, and the "
            "resistance hero she married."
        ),
        plot_full=(
            "Rick Blaine's café is the busiest room in Casablanca, a waystation "
            "for refugees hoping to buy passage to Lisbon and on to America. "
            "Rick likes to say he sticks his neck out for nobody. Then Ilsa, "
            "who walked out on him in Paris, arrives with her husband, a "
            "resistance leader the Germans want badly. Rick holds the only "
            "letters of transit that could get them out, and has to decide "
            "what counts for more than his own wounded pride."
        ),
    ),
    Film(
        title="Alien",
        year=1979,
        imdb_id="tt0078748",
        rated="R",
        released="22 Jun 1979",
        runtime_minutes=117,
        genre="Horror, Sci-Fi",
        director="Ridley Scott",
        writer="Dan O'Bannon, Ronald Shusett",
        actors="Sigourney Weaver, Tom Skerritt, John Hurt",
        language="English",
        country="United Kingdom, United States",
        awards="Won 1 Oscar",
        metascore="89",
        imdb_rating="8.5",
        plot_short=(
            "Sent to check a strange signal on a barren moon, a space "
            "freighter's crew brings aboard a creature that hunts them through "
            "the ship."
        ),
        plot_full=(
            "Woken early from hypersleep, the seven people aboard the towing "
            "ship Nostromo are ordered to trace a signal from an uncharted "
            "planetoid. In a derelict craft they find a chamber of leathery "
            "eggs, and something leaps from one onto an officer's face. Back "
            "on board, the organism grows with terrifying speed and stalks "
            "them through the dark corridors, while Ripley begins to suspect "
            "that the company values the creature more than the crew."
        ),
    ),
    Film(
        title="Amélie",
        year=2001,
        imdb_id="tt0211915",
        rated="R",
        released="25 Apr 2001",
        runtime_minutes=122,
        genre="Comedy, Romance",
        director="Jean-Pierre Jeunet",
        writer="Guillaume Laurant, Jean-Pierre Jeunet",
        actors="Audrey Tautou, Mathieu Kassovitz, Rufus",
        language="French",
        country="France, Germany",
        awards="Nominated for 5 Oscars",
        metascore="69",
        imdb_rating="8.3",
        aliases=("Amelie",),
        plot_short=(
            "A daydreaming café waitress in Montmartre starts secretly "
            "arranging small joys for the people around her, but cannot bring "
            "herself to approach the man she likes."
        ),
        plot_full=(
            "Amélie Poulain grew up lonely, with an imagination far livelier "
            "than her social life. One evening she finds a tin of boyhood "
            "keepsakes hidden behind a tile in her flat and sets out to return "
            "it to its owner. His delight starts her on a campaign of secret "
            "kindnesses for neighbours, colleagues and strangers. But when she "
            "falls for a young man who collects torn photo-booth pictures, she "
            "finds her own happiness much harder to stage."
        ),
    ),
    Film(
        title="Parasite",
        year=2019,
        imdb_id="tt6751668",
        rated="R",
        released="30 May 2019",
        runtime_minutes=132,
        genre="Drama, Thriller",
        director="Bong Joon Ho",
        writer="Bong Joon Ho, Han Jin-won",
        actors="Song Kang-ho, Lee Sun-kyun, Cho Yeo-jeong",
        language="Korean, English",
        country="South Korea",
        awards="Won 4 Oscars",
        metascore="96",
        imdb_rating="8.5",
        plot_short=(
            "A poor family schemes its way into jobs serving a wealthy "
            "household, until a secret hidden in the house upends everyone's "
            "plans."
        ),
        plot_full=(
            "The Kims share a cramped semi-basement flat and fold pizza boxes "
            "to get by. When the son lands a job tutoring the daughter of the "
            "rich Park family, he sees an opening for all of them. One by one, "
            "the Kims pose as unrelated professionals and take over the "
            "household staff. A rainstorm and a discovery beneath the house "
            "turn their con into something much darker."
        ),
    ),
    Film(
        title="Arrival",
        year=2016,
        imdb_id="tt2543164",
        rated="PG-13",
        released="11 Nov 2016",
        runtime_minutes=116,
        genre="Drama, Mystery, Sci-Fi",
        director="Denis Villeneuve",
        writer="Eric Heisserer, Ted Chiang",
        actors="Amy Adams, Jeremy Renner, Forest Whitaker",
        language="English, Russian, Mandarin",
        country="United States",
        awards="Won 1 Oscar",
        metascore="81",
        imdb_rating="7.9",
        plot_short=(
            "When alien ships hover silently over twelve sites on Earth, an "
            "expert in languages tries to learn how the visitors write before "
            "fearful governments strike first."
        ),
        plot_full=(
            "Twelve vast shells settle above places scattered around the "
            "globe, and nobody knows what their passengers want. Louise Banks, "
            "a linguist, and Ian Donnelly, a physicist, are flown to the site "
            "in Montana to make sense of the visitors' circular script. As she "
            "learns to read it, Louise is flooded by vivid memories that do "
            "not fit her own past. With other nations readying an attack, she "
            "must grasp what the visitors are offering before it is too late."
        ),
    ),
    Film(
        title="Toy Story",
        year=1995,
        imdb_id="tt0114709",
        rated="G",
        released="22 Nov 1995",
        runtime_minutes=81,
        genre="Animation, Adventure, Comedy",
        director="John Lasseter",
        writer="John Lasseter, Pete Docter, Andrew Stanton",
        actors="Tom Hanks, Tim Allen, Don Rickles",
        language="English",
        country="United States",
        awards="Nominated for 3 Oscars",
        metascore="96",
        imdb_rating="8.3",
        plot_short=(
            "Andy's favourite toy, a pull-string cowboy, is pushed aside by a "
            "boastful space-ranger figure, and the two rivals end up lost in "
            "the outside world together."
        ),
        plot_full=(
            "Woody, a pull-string cowboy, keeps order among the toys in Andy's "
            "bedroom. His standing collapses when Buzz Lightyear arrives as a "
            "birthday present, a gadget-covered figure who believes he really "
            "is a space ranger. Their feud strands both of them outside the "
            "house and then in the hands of Sid, the boy next door who pulls "
            "toys apart. To make it home before Andy's family moves away, they "
            "have to start working together."
        ),
    ),
    Film(
        title="Jaws",
        year=1975,
        imdb_id="tt0073195",
        rated="PG",
        released="20 Jun 1975",
        runtime_minutes=124,
        genre="Adventure, Thriller",
        director="Steven Spielberg",
        writer="Peter Benchley, Carl Gottlieb",
        actors="Roy Scheider, Robert Shaw, Richard Dreyfuss",
        language="English",
        country="United States",
        awards="Won 3 Oscars",
        metascore="87",
        imdb_rating="8.1",
        plot_short=(
            "A resort town's police chief, a marine scientist and a veteran "
            "shark hunter head out to sea to kill the great white that has "
            "been preying on swimmers."
        ),
        plot_full=(
            "Amity Island lives off its summer visitors, so when a young woman "
            "is killed in the surf, the mayor leans on police chief Martin "
            "Brody to keep the beaches open. More deaths follow and the town "
            "slides into panic. Brody, who is afraid of the water, joins the "
            "oceanographer Matt Hooper and the hard-bitten fisherman Quint on "
            "a small boat. Far from shore, they learn the animal is bigger and "
            "cannier than any of them imagined."
        ),
    ),
    Film(
        title="Heat",
        year=1995,
        imdb_id="tt0113277",
        rated="R",
        released="15 Dec 1995",
        runtime_minutes=170,
        genre="Action, Crime, Drama",
        director="Michael Mann",
        writer="Michael Mann",
        actors="Al Pacino, Robert De Niro, Val Kilmer",
        language="English, Spanish",
        country="United States",
        metascore="76",
        imdb_rating="8.3",
        plot_short=(
            "A driven Los Angeles detective closes in on a disciplined crew of "
            "career thieves whose leader he comes to respect."
        ),
        plot_full=(
            "Neil McCauley runs a tight crew of professional robbers and lives "
            "by one rule: own nothing you cannot walk away from in thirty "
            "seconds. When an armoured-car job turns bloody, Lieutenant "
            "Vincent Hanna takes the case with single-minded intensity. Each "
            "man has given up his private life for his work, and each sees "
            "that in the other. As the crew prepares a last bank robbery, the "
            "two head toward a violent reckoning."
        ),
    ),
    Film(
        title="Up",
        year=2009,
        imdb_id="tt1049413",
        rated="PG",
        released="29 May 2009",
        runtime_minutes=96,
        genre="Animation, Adventure, Comedy",
        director="Pete Docter, Bob Peterson",
        writer="Pete Docter, Bob Peterson, Tom McCarthy",
        actors="Edward Asner, Jordan Nagai, John Ratzenberger",
        language="English",
        country="United States",
        awards="Won 2 Oscars",
        metascore="88",
        imdb_rating="8.3",
        plot_short=(
            "Determined to keep a promise to his late wife, an elderly man "
            "flies his house to a South American waterfall under thousands of "
            "balloons, not realising a boy scout is clinging to the porch."
        ),
        plot_full=(
            "Carl Fredricksen and his wife Ellie spent their lives saving to "
            "visit Paradise Falls, a remote plateau in Venezuela. Widowed and "
            "about to lose his home, Carl lifts the whole house into the sky "
            "with helium balloons. He soon discovers Russell, an eager young "
            "wilderness explorer, was on the porch at take-off. In the jungle "
            "they adopt a rare bird and a talking dog, and meet Carl's boyhood "
            "hero, an explorer who has turned dangerous."
        ),
    ),
    Film(
        title="Psycho",
        year=1960,
        imdb_id="tt0054215",
        rated="R",
        released="08 Sep 1960",
        runtime_minutes=109,
        genre="Horror, Mystery, Thriller",
        director="Alfred Hitchcock",
        writer="Joseph Stefano, Robert Bloch",
        actors="Anthony Perkins, Janet Leigh, Vera Miles",
        language="English",
        country="United States",
        awards="Nominated for 4 Oscars",
        metascore="97",
        imdb_rating="8.5",
        plot_short=(
            "A secretary who has fled town with stolen cash stops for the "
            "night at a lonely roadside motel, whose quiet young manager hides "
            "a terrible secret."
        ),
        plot_full=(
            "Marion Crane, a secretary in Phoenix, walks off with forty "
            "thousand dollars in cash and drives north to her lover. Heavy "
            "rain forces her to stop at the Bates Motel, kept by the awkward "
            "Norman, who lives under the thumb of his unseen mother. That "
            "night changes everything. Her sister, her lover and a private "
            "detective follow her trail to the old house on the hill."
        ),
    ),
    Film(
        title="Psycho",
        year=1998,
        imdb_id="tt0155975",
        rated="R",
        released="04 Dec 1998",
        runtime_minutes=105,
        genre="Horror, Mystery, Thriller",
        director="Gus Van Sant",
        writer="Joseph Stefano, Robert Bloch",
        actors="Vince Vaughn, Anne Heche, Julianne Moore",
        language="English",
        country="United States",
        metascore="47",
        imdb_rating="4.6",
        plot_short=(
            "Gus Van Sant restages Hitchcock's thriller almost scene for scene, "
            "in colour and with a new cast."
        ),
        plot_full=(
            "This remake follows the 1960 original nearly shot by shot, now in "
            "colour. Marion Crane takes money from her employer and runs, "
            "pulling in for the night at the out-of-the-way Bates Motel. Its "
            "shy manager seems harmless, though his mother's presence hangs "
            "over the place. When Marion disappears, the people closest to "
            "her come looking for answers."
        ),
    ),
)


def _normalise(title: str) -> str:
    return title.strip().casefold()


def find_by_title(title: str, *, year: str | None, kind: str | None) -> Film | None:
    """
    Return the first film whose title matches exactly, ignoring case and padding.

    Like OMDb, `year` and `kind` narrow the match when given. Repeated titles
    list the better-known film first, so a bare "Psycho" is Hitchcock's.
    """
    wanted = _normalise(title)
    for film in FILMS:
        names = (film.title, *film.aliases)
        if wanted not in (_normalise(name) for name in names):
            continue
        if year is not None and year.strip() != str(film.year):
            continue
        if kind is not None and kind.strip().casefold() != film.kind:
            continue
        return film
    return None


def find_by_imdb_id(imdb_id: str) -> Film | None:
    """
    Return the film with this IMDb id (`tt` and digits), or None.
    """
    wanted = imdb_id.strip().lower()
    return next((film for film in FILMS if film.imdb_id == wanted), None)
