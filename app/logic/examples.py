"""Inputs to pick from on the pages: a few of each way people write dates, in English and Korean; reviews."""

DATE_EXAMPLES = [
    "september 27, 1994",
    "TUESDAY, SEPTEMBER 25, 1984",
    "2/10/93",
    "Sept. 5th, 2026",
    "5 March 2026",
    "Wed, Jul 4 1979",
    "27.09.1994",
    "12/31/1999",
    "2026년 3월 5일 목요일",
    "1999년 12월 31일",
    "2002. 6. 14.",
    "1969-07-20",
]

# Reviews for /classify, by the language of the model. Korean: NSMC test-set reviews (Lucy Park, CC0 1.0; never
# seen in training), short and long, positive and negative, kept as written. English: written for this page (the
# IMDB reviews the English models learned from may not be shipped).
REVIEW_EXAMPLES = {
    "ko": [
        "3D만 아니었어도 별 다섯 개 줬을텐데.. 왜 3D로 나와서 제 심기를 불편하게 하죠??",
        "너무너무 재밌다",
        "이게 영화야?",
        "완전 잼없음..",
        "발연기 도저히 못보겠다 진짜 이렇게 연기를 못할거라곤 상상도 못했네",
        "청춘은 아름답다 그 아름다움은 이성을 흔들어 놓는다. "
        "찰나의 아름다움을 잘 포착한 섬세하고 아름다운 수채화같은 퀴어영화이다.",
        "'13일의 금요일', '나이트메어'시리즈와 함께 가장 많은 시리즈를 양산해냈던 "
        "헬레이저 시리즈의 첫편. 작가의 상상력이 돋보이는 작품이며, "
        "갈고리로 사지찢는 고어씬은 지금보더라도 상당히 잔인하고 충격적이다.",
    ],
    "en": [
        "The first hour drags, but the ending is so moving that I forgave it everything.",
        "A wonderful film. I loved every minute of it.",
        "Boring, predictable and far too long.",
        "I wanted to like this movie. The cast is great and the music is lovely, but the script is a mess, the jokes "
        "never land and the plot makes no sense at all. By the end I was checking my watch every five minutes.",
        "Not a perfect film: the middle sags and one subplot goes nowhere. Still, the two leads are terrific together, "
        "the city looks beautiful and the last scene stayed with me for days. Funny, warm and honest; I will watch it "
        "again with my family and I recommend it to anyone who misses grown-up romantic comedies.",
    ],
}
