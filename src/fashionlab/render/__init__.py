"""What the user reads: the report's page, its figures, the notebook and the README's table.

``report`` lays out the sections (the atlas's and the extras' in ``sections_atlas``,
``sections_extras`` and ``atlas_schedule``), ``page`` writes them as HTML and Markdown (styled by
``page_style``), and ``meta`` says where and when the run was made. The answers to the
assignment's questions are ``answers`` and its ``answers_*`` modules, each sentence chosen by
measured numbers (``families`` holds several of their tests together); ``format`` turns numbers
into words by one rule, ``tables`` and ``glossary`` give the tables and terms (linked by
``terms``), ``equations``, ``maths`` and ``mathml`` the formulas beside their code. Figures:
``study_figures`` draws them through ``curves``, ``plots``, ``heatmaps`` and ``figures``;
``interactive`` is the t-SNE map to hover. ``notebook`` fills and
executes the assignment's notebook, ``sweep`` writes the sweep's files and ``readme_table`` the
README's results table.
"""
