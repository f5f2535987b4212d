"""Meaning-aware ranking (issue #11): sentence embeddings of threads, their nearest neighbours,
and the fusion of that ranking with word matching.

``encoder`` turns text into vectors with a small multilingual model that ships
inside a package (no download at run time); ``neighbours`` keeps every
thread's vector in one matrix and answers nearest-neighbour lookups;
``fusion`` merges two rankings. None of them imports Flask or the models:
``store`` (the vector table) and ``app.services.meaning`` (the rankings the
views use) bring them into the app.
"""
