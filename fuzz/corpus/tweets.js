window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "full_text": "Fax: (415) 555-2672"}}]
